package org.pstore.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.zone.LinuxImages;
import org.pstore.driver.file.FileDevice;

/** The packaged jar, started as a user starts it: {@code java -jar pstore-tool.jar ...}. */
class PstoreToolIT {

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", System.getProperty("pstore.tool.jar")));
        command.addAll(List.of(args));
        return command;
    }

    Run tool(String stdin, String... args) throws Exception {
        List<String> command = command(args);
        Path in = Files.writeString(dir.resolve("stdin"), stdin);
        Process p = new ProcessBuilder(command).redirectInput(in.toFile())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("pstore-tool hung: " + command);
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void listsALinuxImage() throws Exception {
        String image = LinuxImages.folder().resolve("deb-kmsg64-2boots.img").toString();
        Run ls = tool("", "--device", image, "ls");
        assertEquals(0, ls.status(), ls.err());
        assertEquals("dmesg-pstore_blk-0\t29294\t2026-11-27T02:44:44Z\ndmesg-pstore_blk-1\t29300\t2026-11-27T02:45:01Z\n", ls.out());
    }

    @Test
    void writesAndReadsBackOnAFreshPartition() throws Exception {
        String device = dir.resolve("p.img").toString();
        Run write = tool("Oops#1 Part1\nboom\n", "--device", device, "--size", "1M", "write", "dmesg", "--compress");
        assertEquals(0, write.status(), write.err());
        Run cat = tool("", "--device", device, "cat", "dmesg-pstore_blk-0");
        assertEquals("Oops#1 Part1\nboom\n", cat.out());
        assertEquals(1048576, Files.size(Path.of(device)));
    }

    @Test
    void anErrorIsOneLineAndStatusTwo() throws Exception {
        Run r = tool("", "--device", dir.resolve("nothing.img").toString(), "ls");
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("pstore-tool: no such file or device"), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void aWriterIsRefusedAtOnceWhileAnotherProcessHasThePartition() throws Exception {
        Path image = dir.resolve("p.img");
        assertEquals(0, tool("first\n", "--device", image.toString(), "--size", "256K", "write", "dmesg").status());
        byte[] before = Files.readAllBytes(image);
        try (FileDevice held = FileDevice.open(image, false)) {
            for (String[] command : List.of(new String[] {"write", "dmesg"}, new String[] {"rm", "dmesg-pstore_blk-0"},
                    new String[] {"ls"}, new String[] {"cat", "dmesg-pstore_blk-0"}, new String[] {"info"})) {
                List<String> args = new ArrayList<>(List.of("--device", image.toString()));
                args.addAll(List.of(command));
                Run r = tool("second\n", args.toArray(String[]::new));
                assertEquals(2, r.status(), String.join(" ", command) + ": " + r.err());
                assertEquals("", r.out());
                assertEquals(1, r.err().lines().count(), r.err());
                assertTrue(r.err().startsWith("pstore-tool: " + image + " is in use by process "
                        + ProcessHandle.current().pid() + " ("), r.err());
            }
        }
        // read once the test's lock is gone: closing any channel on the file would drop it
        assertArrayEquals(before, Files.readAllBytes(image), "the refused commands changed nothing");
    }

    @Test
    void twoToolProcessesNeverWriteTheSamePartitionAtOnce() throws Exception {
        Path image = dir.resolve("p.img");
        String[] layout = {"--device", image.toString(), "--size", "256K", "--pmsg-size", "64K"};
        assertEquals(0, tool("", concat(layout, "write", "pmsg")).status());
        // the first writer has the partition open while it waits for its standard input
        Process first = new ProcessBuilder(command(concat(layout, "write", "pmsg")))
                .redirectOutput(dir.resolve("first.out").toFile()).redirectError(dir.resolve("first.err").toFile()).start();
        try {
            awaitWriter(image, first);
            Run second = tool("from the second\n", concat(layout, "write", "dmesg"));
            assertEquals(2, second.status(), second.err());
            assertTrue(second.err().startsWith("pstore-tool: " + image + " is in use by process " + first.pid()),
                    second.err());
            try (OutputStream in = first.getOutputStream()) {
                in.write("from the first\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(first.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, first.exitValue(), Files.readString(dir.resolve("first.err")));
        } finally {
            first.destroyForcibly();
        }
        Run ls = tool("", concat(layout, "ls"));
        assertEquals(List.of("pmsg-pstore_blk-0"), ls.out().lines().map(l -> l.split("\t")[0]).toList());
        assertEquals("from the first\n", tool("", concat(layout, "cat", "pmsg-pstore_blk-0")).out());
    }

    /** Waits until Linux lists {@code writer}'s lock (taking one here could refuse the writer). */
    static void awaitWriter(Path image, Process writer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // the image's own lock: a JVM holds other locks of its own (its performance data file, say)
        String inode = ":" + Files.getAttribute(image, "unix:ino") + " ";
        while (System.nanoTime() < deadline && writer.isAlive()) {
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                if (line.contains(" WRITE " + writer.pid() + " ") && line.contains(inode)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the first pstore-tool never took " + image);
    }

    static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
