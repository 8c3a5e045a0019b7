package org.pstore.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.zone.LinuxImages;

/** The gateway as a new user starts it: {@code java -jar pstore-gateway.jar} in an empty folder. */
class GatewayIT {

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    Run gateway(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Dpstore.kernel.dir=" + linuxPstore(), "-jar", System.getProperty("pstore.gateway.jar")));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the gateway hung: " + command + "\n" + Files.readString(dir.resolve("err")));
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    /** Linux's pstore folder for the gateway's archive: an empty one of the test's, never the machine's /sys. */
    Path linuxPstore() throws IOException {
        return Files.createDirectories(dir.resolve("linux-pstore"));
    }

    /** A configuration folder; its archive reads the test's Linux pstore folder (the built-in one does too). */
    Path etc() throws IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("org.pstore.archive.cfg"), "kernel.dir=" + linuxPstore() + "\n");
        return etc;
    }

    /** The archive's one dump (the gateway archives at every start), as Linux showed the record. */
    String archivedRecord() throws IOException {
        try (Stream<Path> crashes = Files.list(dir.resolve("archive"))) {
            List<Path> folders = crashes.filter(f -> Files.exists(f.resolve("dmesg-pstore_blk-0"))).toList();
            assertEquals(1, folders.size(), folders.toString());
            return Files.readString(folders.get(0).resolve("dmesg-pstore_blk-0"));
        }
    }

    @Test
    void anOopsIsListedAfterARestart() throws Exception {
        Run first = gateway("-c", "pstore:oops boom");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("pstore: 0 record(s) from before this start"), first.out());
        assertEquals(1 << 20, Files.size(dir.resolve("pstore.img")), "the default partition was created");

        // the next start archives the crash: listed, readable, and off the partition
        Run second = gateway("-c", "pstore:crashes");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("pstore: 1 crash(es) archived at this start into " + dir.resolve("archive")),
                second.out());
        String line = second.out().lines().filter(l -> l.contains("\tOops\t")).reduce((a, b) -> b).orElseThrow();
        assertTrue(line.endsWith("\tboom"), "the crash's first meaningful line: " + line);
        Run show = gateway("-c", "pstore:show " + line.substring(0, line.indexOf('\t')));
        assertEquals(0, show.status(), show.err());
        assertTrue(show.out().contains("pstore: 0 record(s) from before this start"), "erased once archived:\n" + show.out());
        assertTrue(show.out().contains("Oops#1\n<"), show.out());
        assertTrue(show.out().contains("] boom\n"), show.out());
        String record = archivedRecord();
        assertTrue(record.startsWith("Oops: Total 1 times\nOops#1 Part1\n<"), record);
    }

    @Test
    void aRunWithCommandsLeavesNothingForTheNextStartToArchive() throws Exception {
        // a -c run serves no page: no web password is made or announced, so no warning lands in the
        // console ring for the next start to archive as a crash
        Run first = gateway("-c", "pstore:status");
        assertEquals(0, first.status(), first.err());
        Run second = gateway("-c", "pstore:crashes");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("pstore: 0 record(s) from before this start"), second.out());
        assertTrue(Files.notExists(dir.resolve("pstore-web.password")), "a run that serves nothing makes no password");
        try (Stream<Path> crashes = Files.list(dir.resolve("archive"))) {
            assertEquals(List.of(), crashes.toList(), "nothing archived");
        }
    }

    @Test
    void linuxsOwnRecordsAreArchivedAtStartUp() throws Exception {
        Path linux = LinuxImages.folder().resolve("deb-kmsg4/files/dmesg-pstore_blk-0");
        Files.copy(linux, linuxPstore().resolve("dmesg-pstore_blk-0"));
        Run r = gateway("-c", "pstore:crashes");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("pstore: 1 crash(es) archived at this start"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(
                "\\S+\t\\S+\tOops\t\\d+\tBUG: kernel NULL pointer dereference, address: 0000000000000000")), r.out());
        assertEquals(Files.readString(linux), archivedRecord(), "byte for byte");
        try (Stream<Path> left = Files.list(linuxPstore())) {
            assertEquals(0, left.count(), "removed from Linux's folder once archived");
        }
    }

    @Test
    void aPanicStopsWithANonZeroStatusAndIsListedNextTime() throws Exception {
        Run panic = gateway("-c", "pstore:panic 'out of luck'");
        assertEquals(3, panic.status(), panic.out() + panic.err());
        Run next = gateway("-c", "pstore:crashes");
        assertEquals(0, next.status(), next.err());
        assertTrue(next.out().contains("\tPanic\t"), next.out());
        assertTrue(next.out().contains("Kernel panic - not syncing: out of luck"), next.out());
        assertTrue(archivedRecord().startsWith("Panic: Total 1 times\nPanic#1 Part1\n"), archivedRecord());
    }

    @Test
    void aFailingCommandExitsNonZero() throws Exception {
        Run r = gateway("-c", "pstore:cat no-such-record");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("no record named 'no-such-record'"), r.err());
        Run unknown = gateway("-c", "pstore:frobnicate");
        assertEquals(1, unknown.status());
    }

    @Test
    void theSameJarRunsOnAnotherDeviceByConfigurationAlone() throws Exception {
        Path etc = etc();
        Files.writeString(etc.resolve("org.pstore.driver.file-other.cfg"), "path=other.img\nsize=2M\nname=other\n");
        Files.writeString(etc.resolve("org.pstore.registration.cfg"), "kmsg.size=4K\npmsg.size=0\nconsole.size=8K\n");
        Run r = gateway("-c", "pstore:status");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("active:      other"), r.out());
        assertTrue(r.out().contains("kmsg zones:  510"), r.out());
        assertEquals(2 << 20, Files.size(dir.resolve("other.img")));
        assertTrue(Files.notExists(dir.resolve("pstore.img")));
    }

    @Test
    void theGatewayRunsOnAnMmcCardByConfigurationAlone() throws Exception {
        Path etc = etc();
        try (var examples = Files.list(Path.of(System.getProperty("pstore.examples"), "mmc"))) {
            for (Path cfg : examples.toList()) {
                Files.copy(cfg, etc.resolve(cfg.getFileName()));
            }
        }
        Run first = gateway("-c", "pstore:oops 'on the card'; pstore:status");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("active:      mmc0"), first.out());
        assertEquals(0, gateway("-c", "pstore:crashes").status());
        assertTrue(archivedRecord().contains("Oops#1 Part1\n"), archivedRecord());
        assertTrue(archivedRecord().contains("] on the card\n"), archivedRecord());
        assertEquals((4L << 20) + 512, Files.size(dir.resolve("mmc-card.img")), "the card image with its header");
    }

    @Test
    void theGatewayRunsOnANandChipByConfigurationAlone() throws Exception {
        Path etc = etc();
        try (var examples = Files.list(Path.of(System.getProperty("pstore.examples"), "nand"))) {
            for (Path cfg : examples.toList()) {
                Files.copy(cfg, etc.resolve(cfg.getFileName()));
            }
        }
        Run first = gateway("-c", "pstore:oops 'on the flash'; pstore:status");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("active:      nand0"), first.out());
        assertEquals(0, gateway("-c", "pstore:crashes").status());
        assertTrue(archivedRecord().contains("] on the flash\n"), archivedRecord());
    }

    @Test
    void anInvalidDriverConfigurationIsAClearErrorAndTouchesNothing() throws Exception {
        Path etc = etc();
        Files.writeString(etc.resolve("org.pstore.driver.file-bad.cfg"), "path=no/such/folder/p.img\nsize=1M\n");
        Run r = gateway("-c", "pstore:status");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("active:      (none)"), r.out());
        assertTrue(r.err().contains("cannot create no/such/folder/p.img: no such directory"), r.err());
        assertTrue(Files.notExists(dir.resolve("no")));
    }

    @Test
    void aCleanStopIsAShutdownDumpWhereMaxReasonAllowsIt() throws Exception {
        Path etc = etc();
        Files.writeString(etc.resolve("org.pstore.driver.file-default.cfg"), "path=pstore.img\nsize=1M\n");
        Files.writeString(etc.resolve("org.pstore.registration.cfg"), "max.reason=4\n");
        assertEquals(0, gateway("-c", "pstore:pmsg 'before shutdown'").status());
        Run next = gateway("-c", "pstore:crashes");
        assertEquals(0, next.status(), next.err());
        assertTrue(archivedRecord().contains("Shutdown: Total 0 times\nShutdown#1 Part1\n"), archivedRecord());
        assertTrue(archivedRecord().contains("framework stopping"), archivedRecord());
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        Run r = gateway("--bogus");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("pstore-gateway: unknown argument '--bogus'"), r.err());
    }
}
