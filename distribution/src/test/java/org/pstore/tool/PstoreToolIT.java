package org.pstore.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.zone.LinuxImages;

/** The packaged jar, started as a user starts it: {@code java -jar pstore-tool.jar ...}. */
class PstoreToolIT {

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    Run tool(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", System.getProperty("pstore.tool.jar")));
        command.addAll(List.of(args));
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
}
