package org.pstore.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.archive.ArchiveRun;
import org.pstore.api.archive.Crash;
import org.pstore.zone.LinuxImages;

/** Linux's own records, from folders filled as Linux showed them for the images a real Linux wrote (LinuxImages). */
class KernelDirTest {

    static final Path IMAGES = LinuxImages.folder();
    static final DateTimeFormatter LS_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @TempDir
    Path tmp;

    /** Linux's /sys/fs/pstore for an image: its files, with the times ls showed. */
    Path kernelDir(String image) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("pstore-" + image));
        for (String line : Files.readAllLines(IMAGES.resolve(image).resolve("listing.txt"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 9 && !f[8].startsWith(".")) {
                Path file = Files.copy(IMAGES.resolve(image).resolve("files").resolve(f[8]), dir.resolve(f[8]));
                Instant t = LocalDateTime.parse(f[5] + " " + f[6], LS_TIME).toInstant(ZoneOffset.UTC);
                Files.setLastModifiedTime(file, FileTime.from(t));
            }
        }
        return dir;
    }

    @Test
    void linuxsRecordsAreArchivedAndRemoved() throws Exception {
        Path archive = tmp.resolve("archive");
        List<Crash> events = new ArrayList<>();
        Archiver a = new Archiver(archive, new NioArchiveFs(), true, Archiver.Limits.NONE, Clock.systemUTC(), events::add);
        int records = 0;
        for (String image : List.of("cus-kmsg-pmsg-console", "deb-kmsg4", "deb-kmsg64", "deb-kmsg64-2boots",
                "deb-layout-pmsg64-console64")) {
            Path dir = kernelDir(image);
            List<String> names;
            try (Stream<Path> s = Files.list(dir)) {
                names = s.map(p -> p.getFileName().toString()).sorted().toList();
            }
            records += names.size();
            byte[][] bytes = new byte[names.size()][];
            for (int i = 0; i < names.size(); i++) {
                bytes[i] = Files.readAllBytes(dir.resolve(names.get(i)));
            }
            ArchiveRun run = a.archive(List.of(new KernelDirSource(dir)));
            assertEquals(List.of(), run.skipped());
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(0, s.count(), "removed once archived");
            }
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                byte[] original = bytes[i];
                long copies = a.crashes().stream().filter(c -> c.files().contains(name))
                        .filter(c -> {
                            try {
                                return Arrays.equals(original, Files.readAllBytes(c.folder().resolve(name)));
                            } catch (IOException e) {
                                throw new AssertionError(e);
                            }
                        }).count();
                assertEquals(1, copies, image + "/" + name);
            }
        }
        List<Crash> crashes = a.crashes();
        assertEquals(6, crashes.size(), "one crash per dump (the rings go with the newest): " + crashes);
        Crash cus = crashes.stream().filter(c -> c.files().contains("pmsg-pstore_blk-0")).findFirst().orElseThrow();
        assertEquals("Oops", cus.reason());
        assertEquals(1, cus.counter());
        assertEquals(Instant.parse("2026-11-27T02:52:17Z"), cus.time(), "the dump's time, as ls showed it");
        assertEquals("BUG: kernel NULL pointer dereference, address: 0000000000000000", cus.summary());
        String meta = Files.readString(cus.folder().resolve("meta.json"));
        assertTrue(meta.contains("\"sha256\": \"0ad035b8de16ea914595b61dbe88c20187d7cc3c0a9323c2621a9a5468f86ffc\""),
                "the sha256 Linux's files.txt gives for dmesg-pstore_blk-0: " + meta);
        assertTrue(meta.contains("\"backend\": \"pstore_blk\""), meta);
        assertEquals(6, events.size());
        System.out.printf("archive kernel.dir: %d Linux records of 5 images archived into %d crash folders,"
                + " sha256 as Linux listed them%n", records, crashes.size());
    }

    @Test
    void aCompressedRecordIsKeptAndInflatedAndAnUnreadableOneIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pstore"));
        byte[] text = Files.readAllBytes(IMAGES.resolve("deb-kmsg64/files/dmesg-pstore_blk-0"));
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(text);
        d.finish();
        byte[] buf = new byte[text.length];
        byte[] z = Arrays.copyOf(buf, d.deflate(buf));
        Files.write(dir.resolve("dmesg-pstore_blk-3.enc.z"), z);
        Files.write(dir.resolve("dmesg-pstore_blk-4.enc.z"), "not deflate at all".getBytes(StandardCharsets.UTF_8));
        try (RandomAccessFile huge = new RandomAccessFile(dir.resolve("dmesg-pstore_blk-5").toFile(), "rw")) {
            huge.setLength(KernelDirSource.MAX_RECORD + 1); // sparse
        }
        Archiver a = new Archiver(tmp.resolve("archive"), new NioArchiveFs(), true, Archiver.Limits.NONE,
                Clock.systemUTC(), c -> { });
        ArchiveRun run = a.archive(List.of(new KernelDirSource(dir)));
        assertEquals(1, run.skipped().size(), run.skipped().toString());
        assertTrue(run.skipped().get(0).contains("dmesg-pstore_blk-5: cannot be read"), run.skipped().get(0));
        assertTrue(Files.exists(dir.resolve("dmesg-pstore_blk-5")), "left in place");
        Crash inflated = a.crashes().stream().filter(c -> c.files().contains("dmesg-pstore_blk-3.enc.z")).findFirst().orElseThrow();
        assertArrayEquals(z, Files.readAllBytes(inflated.folder().resolve("dmesg-pstore_blk-3.enc.z")));
        assertArrayEquals(text, Files.readAllBytes(inflated.folder().resolve("dmesg-pstore_blk-3")));
        assertEquals("Oops", inflated.reason());
        Crash raw = a.crashes().stream().filter(c -> c.files().contains("dmesg-pstore_blk-4.enc.z")).findFirst().orElseThrow();
        assertEquals(List.of("dmesg-pstore_blk-4.enc.z", "meta.json"), raw.files(), "kept as it is");
    }

    @Test
    void hostileNamesNeverLeaveTheArchive() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("k/pstore"));
        List<String> names = List.of("..dmesg-x-1", "meta.json", "dmesg.txt", "dmesg-a b;rm -rf-1", "dmesg-\u00e9\u2028-2",
                "console-x-" + "9".repeat(240), ".hidden", "dmesg-x-3\nInjected: yes", "-");
        for (String n : names) {
            Files.writeString(dir.resolve(n), "Oops#1 Part1\n<1>[ 1.0] BUG: " + n.length() + "\n");
        }
        Path archive = tmp.resolve("k/archive");
        Archiver a = new Archiver(archive, new NioArchiveFs(), true, Archiver.Limits.NONE, Clock.systemUTC(), c -> { });
        ArchiveRun run = a.archive(List.of(new KernelDirSource(dir)));
        assertEquals(List.of(), run.skipped());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                assertTrue(p.startsWith(archive), "outside the archive: " + p);
                assertTrue(archive.relativize(p).getNameCount() == 2, "one level of crash folders: " + p);
                assertFalse(p.getFileName().toString().startsWith("."), p.toString());
                assertTrue(p.getFileName().toString().matches("[A-Za-z0-9._+~-]+"), p.toString());
            }
        }
        long records = a.crashes().stream().flatMap(c -> c.files().stream())
                .filter(f -> !f.equals("meta.json") && !f.equals("dmesg.txt")).count();
        assertEquals(names.size(), records, "every record kept, under a safe name");
        for (String id : List.of("..", "../k", "/etc", ".tmp-x", "a/../../b", "", "x\ny")) {
            assertTrue(a.crash(id).isEmpty(), id);
        }
    }

    @Test
    void anArchiveFolderThatCannotBeMadeLeavesTheRecords() throws Exception {
        Path dir = kernelDir("deb-kmsg4");
        Path blocker = Files.writeString(tmp.resolve("not-a-folder"), "x");
        Archiver a = new Archiver(blocker.resolve("archive"), new NioArchiveFs(), true, Archiver.Limits.NONE,
                Clock.systemUTC(), c -> { });
        assertThrows(IOException.class, () -> a.archive(List.of(new KernelDirSource(dir))));
        assertTrue(Files.exists(dir.resolve("dmesg-pstore_blk-0")));
    }
}
