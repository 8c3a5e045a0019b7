package org.pstore.tool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pstore.zone.LinuxImages;
import org.pstore.api.ByteSize;
import org.pstore.zone.internal.ZoneFormat;
import org.pstore.zone.ZoneLayout;

/** pstore-tool's command-line contract, run in-process. */
class PstoreToolTest {

    @TempDir
    Path dir;

    record Result(int status, byte[] out, String err) {
        String text() {
            return new String(out, UTF_8);
        }
    }

    static Result run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new PstoreTool(new ByteArrayInputStream(stdin), new PrintStream(out, true), new PrintStream(err, true)).run(args);
        return new Result(status, out.toByteArray(), err.toString(UTF_8));
    }

    static Result run(String... args) {
        return run(new byte[0], args);
    }

    static Path images() {
        return LinuxImages.folder();
    }

    static Stream<String> imageNames() throws IOException {
        try (Stream<Path> s = Files.list(images())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".img"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList().stream();
        }
    }

    /** The pstore-tool options that describe an image's layout, from its params.env. */
    static List<String> layoutOptions(String image) throws IOException {
        Map<String, String> p = new TreeMap<>();
        for (String line : Files.readAllLines(images().resolve(image).resolve("params.env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                p.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return List.of("--kmsg-size", p.get("kmsg_size") + "K", "--pmsg-size", p.get("pmsg_size") + "K",
                "--console-size", p.get("console_size") + "K", "--ftrace-size", p.get("ftrace_size") + "K",
                "--cpus", p.get("nr_cpus"), "--max-reason", p.get("max_reason"));
    }

    static String[] args(Path device, List<String> layout, String... command) {
        List<String> all = new ArrayList<>(List.of("--device", device.toString()));
        all.addAll(layout);
        all.addAll(List.of(command));
        return all.toArray(String[]::new);
    }

    @ParameterizedTest
    @MethodSource("imageNames")
    void lsAndCatShowWhatLinuxShowed(String image) throws Exception {
        Path device = images().resolve(image + ".img");
        List<String> layout = layoutOptions(image);
        Result ls = run(args(device, layout, "ls"));
        assertEquals(0, ls.status(), ls.err());
        Map<String, String[]> files = new TreeMap<>();
        for (String line : Files.readAllLines(images().resolve(image).resolve("files.txt"))) {
            String[] f = line.trim().split("\\s+");
            files.put(f[0], f);
        }
        Map<String, String> times = new TreeMap<>();
        for (String line : Files.readAllLines(images().resolve(image).resolve("listing.txt"))) {
            String[] f = line.trim().split("\\s+");
            if (line.startsWith("-")) {
                times.put(f[8], f[5] + "T" + f[6] + "Z");
            }
        }
        List<String> lines = ls.text().lines().toList();
        assertEquals(files.size(), lines.size(), ls.text());
        for (String line : lines) {
            String[] f = line.split("\t");
            assertEquals(3, f.length, line);
            assertTrue(files.containsKey(f[0]), f[0]);
            assertEquals(files.get(f[0])[1], f[1], "size of " + f[0]);
            if (f[0].startsWith("dmesg-")) {
                assertEquals(times.get(f[0]), f[2], "time of " + f[0]);
            }
            Result cat = run(args(device, layout, "cat", f[0]));
            assertEquals(0, cat.status(), cat.err());
            assertEquals(files.get(f[0])[2], HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cat.out())));
        }
    }

    @Test
    void infoShowsEveryZoneAndChangesNothing() throws Exception {
        Path device = Files.copy(images().resolve("cus-kmsg-pmsg-console.img"), dir.resolve("copy.img"));
        byte[] before = Files.readAllBytes(device);
        Result info = run(args(device, layoutOptions("cus-kmsg-pmsg-console"), "info"));
        assertEquals(0, info.status(), info.err());
        String text = info.text();
        assertTrue(text.contains("pmsg-0\toffset=0\tsize=65536\tstate=record\tsig=0x43474243\tdatalen=49\tstart=49"), text);
        assertTrue(text.contains("console-0\toffset=65536\tsize=65536\tstate=record"), text);
        assertTrue(text.contains("dmesg-0\toffset=131072\tsize=65536\tstate=record\tsig=0x43474244\tdatalen=7421\tstart=0"
                + "\tmagic=0x4dfc3ae5\ttime=1795747937.774705817\tcounter=1\treason=Oops\tcompressed=1"), text);
        assertEquals(16, text.lines().filter(l -> l.matches("^(pmsg|console|dmesg)-\\d+\t.*")).count());
        assertTrue(text.contains("counters\toops=1\tpanic=0\tnext-kmsg-zone=1"), text);
        assertArrayEquals(before, Files.readAllBytes(device));
    }

    @Test
    void writtenRecordsAreListedAndRead() throws Exception {
        Path device = dir.resolve("fresh.img");
        List<String> layout = List.of("--size", "1M", "--kmsg-size", "64K", "--pmsg-size", "64K", "--console-size", "64K");
        assertEquals(0, run("oops text\n".getBytes(UTF_8), args(device, layout, "write", "dmesg")).status());
        assertEquals(0, run("panic text\n".getBytes(UTF_8), args(device, layout, "write", "dmesg", "--reason", "panic", "--compress")).status());
        assertEquals(0, run("app says hi\n".getBytes(UTF_8), args(device, layout, "write", "pmsg")).status());
        assertEquals(0, run("console line\n".getBytes(UTF_8), args(device, layout, "write", "console")).status());
        Result ls = run(args(device, layout, "ls"));
        List<String> names = ls.text().lines().map(l -> l.split("\t")[0]).toList();
        assertEquals(List.of("pmsg-pstore_blk-0", "console-pstore_blk-0", "dmesg-pstore_blk-0", "dmesg-pstore_blk-1"), names);
        assertEquals("app says hi\n", run(args(device, layout, "cat", "pmsg-pstore_blk-0")).text());
        assertEquals("Oops: Total 1 times\noops text\n", run(args(device, layout, "cat", "dmesg-pstore_blk-0")).text());
        assertEquals("panic text\n", run(args(device, layout, "cat", "dmesg-pstore_blk-1")).text());
        assertEquals("console line\n", run(args(device, layout, "cat", "console-pstore_blk-0")).text());
        assertEquals(0, run(args(device, layout, "rm", "dmesg-pstore_blk-0")).status());
        // a second write appends to the ring
        assertEquals(0, run("and more\n".getBytes(UTF_8), args(device, layout, "write", "pmsg")).status());
        assertEquals("app says hi\nand more\n", run(args(device, layout, "cat", "pmsg-pstore_blk-0")).text());
        assertEquals(List.of("pmsg-pstore_blk-0", "console-pstore_blk-0", "dmesg-pstore_blk-1"),
                run(args(device, layout, "ls")).text().lines().map(l -> l.split("\t")[0]).toList());
    }

    @Test
    void errorsAreOneLineWithStatusTwoAndTheDeviceUntouched() throws Exception {
        Path device = Files.copy(images().resolve("deb-kmsg64-2boots.img"), dir.resolve("copy.img"));
        byte[] before = Files.readAllBytes(device);
        String dev = device.toString();
        List<String[]> bad = List.of(
                new String[] {"ls"},
                new String[] {"--device", dev},
                new String[] {"--device", dev, "frobnicate"},
                new String[] {"--device", dev, "--bogus", "ls"},
                new String[] {"--device", dev, "--kmsg-size", "12X", "ls"},
                new String[] {"--device", dev, "--kmsg-size", "1000", "ls"},
                new String[] {"--device", dev, "--kmsg-size"},
                new String[] {"--device", dev, "cat"},
                new String[] {"--device", dev, "cat", "dmesg-pstore_blk-7"},
                new String[] {"--device", dev, "rm", "pmsg-pstore_blk-0"},
                new String[] {"--device", dev, "write", "ftrace"},
                new String[] {"--device", dev, "write", "dmesg", "--reason", "emerg"},
                new String[] {"--device", dev, "write", "dmesg", "--reason", "reboot"},
                new String[] {"--device", dev, "--kmsg-size", "2M", "write", "dmesg"},
                new String[] {"--device", dev, "--pmsg-size", "2M", "ls"},
                new String[] {"--device", dir.resolve("missing.img").toString(), "ls"},
                new String[] {"--device", dir.toString(), "ls"});
        for (String[] a : bad) {
            Result r = run("text".getBytes(UTF_8), a);
            assertEquals(2, r.status(), String.join(" ", a));
            assertEquals(1, r.err().lines().count(), String.join(" ", a) + ": " + r.err());
            assertTrue(r.err().startsWith("pstore-tool: "), r.err());
            assertEquals(0, r.out().length, String.join(" ", a));
        }
        assertArrayEquals(before, Files.readAllBytes(device));
        assertFalse(Files.exists(dir.resolve("missing.img")));
    }

    @Test
    void aFileIsCreatedOnlyForAWriteThatFits() {
        Path device = dir.resolve("new.img");
        Result r = run("x".getBytes(UTF_8), "--device", device.toString(), "--size", "64K", "--kmsg-size", "128K", "write", "dmesg");
        assertEquals(2, r.status());
        assertFalse(Files.exists(device), "no file for a layout that does not fit");
        assertEquals(2, run("--device", device.toString(), "--size", "64K", "ls").status());
        assertFalse(Files.exists(device), "ls creates nothing");
    }

    @Test
    void everyCommandWorksOnAnMmcCard() throws Exception {
        String mmc = "mmc:" + dir.resolve("card.img");
        Result format = run("--device", mmc, "format", "--card-size", "2M", "--partition-offset", "1M", "--erased", "0xff");
        assertEquals(0, format.status(), format.err());
        assertEquals(2, run("--device", mmc, "format", "--card-size", "2M").status(), "never formats over an image");
        List<String> layout = List.of("--kmsg-size", "4K", "--pmsg-size", "4K");
        assertEquals(0, run("oops on mmc\n".getBytes(UTF_8), args(Path.of(mmc), layout, "write", "dmesg")).status());
        assertEquals(0, run("pmsg on mmc\n".getBytes(UTF_8), args(Path.of(mmc), layout, "write", "pmsg")).status());
        assertEquals(List.of("pmsg-pstore_blk-0", "dmesg-pstore_blk-0"),
                run(args(Path.of(mmc), layout, "ls")).text().lines().map(l -> l.split("\t")[0]).toList());
        assertEquals("Oops: Total 1 times\noops on mmc\n", run(args(Path.of(mmc), layout, "cat", "dmesg-pstore_blk-0")).text());
        String info = run(args(Path.of(mmc), layout, "info")).text();
        assertTrue(info.contains("cache=on\tcached-sectors=0\tcard-sectors=4096\tpartition-first-sector=2048"
                + "\tpartition-sectors=2048\terased=0xff"), info);
        assertTrue(info.contains("dmesg-1\toffset=8192\tsize=4096\tstate=empty\tsig=0xffffffff"), info);
        assertEquals(0, run(args(Path.of(mmc), layout, "rm", "dmesg-pstore_blk-0")).status());
        assertEquals(1, run(args(Path.of(mmc), layout, "ls")).text().lines().count());
    }

    @Test
    void everyCommandWorksOnANandChip() throws Exception {
        String nand = "nand:" + dir.resolve("chip.img");
        Result format = run("--device", nand, "format", "--blocks", "8", "--pages-per-block", "8", "--bad-blocks", "1");
        assertEquals(0, format.status(), format.err());
        List<String> layout = List.of("--kmsg-size", "4K");
        for (int i = 0; i < 3; i++) {
            assertEquals(0, run(("oops " + i + "\n").getBytes(UTF_8), args(Path.of(nand), layout, "write", "dmesg")).status());
        }
        assertEquals(List.of("dmesg-pstore_blk-0", "dmesg-pstore_blk-1", "dmesg-pstore_blk-2"),
                run(args(Path.of(nand), layout, "ls")).text().lines().map(l -> l.split("\t")[0]).toList());
        assertEquals("Oops: Total 2 times\noops 1\n", run(args(Path.of(nand), layout, "cat", "dmesg-pstore_blk-1")).text());
        assertEquals(0, run(args(Path.of(nand), layout, "rm", "dmesg-pstore_blk-1")).status());
        String info = run(args(Path.of(nand), layout, "info")).text();
        assertTrue(info.contains("\nblock-0\tstate=good\terases=0\tzones=URU.\n"), info);
        assertTrue(info.contains("\nblock-1\tstate=bad\t"), info);
        Result rings = run(args(Path.of(nand), List.of("--kmsg-size", "4K", "--pmsg-size", "4K"), "ls"));
        assertEquals(2, rings.status());
        assertTrue(rings.err().contains("NAND holds kmsg zones only"), rings.err());
    }

    @Test
    void formatCreatesAnImageFileOnlyWhenMissing() throws Exception {
        Path image = dir.resolve("f.img");
        assertEquals(0, run("--device", image.toString(), "--size", "128K", "format").status());
        assertEquals(128 * 1024, Files.size(image));
        assertEquals(2, run("--device", image.toString(), "--size", "128K", "format").status());
        assertEquals(2, run("--device", dir.resolve("g.img").toString(), "format").status(), "no size");
    }

    @Test
    void helpPrintsTheContract() {
        Result r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.text().contains("--device PATH"));
    }

    /** The layout an image's params.env describes, to find its kmsg zones. */
    static ZoneLayout layout(String image) throws IOException {
        List<String> o = layoutOptions(image);
        return new ZoneLayout(ByteSize.parse(o.get(1)), ByteSize.parse(o.get(3)), ByteSize.parse(o.get(5)),
                ByteSize.parse(o.get(7)), Integer.parseInt(o.get(9)));
    }

    /** What ls, cat and info show of an image; every error must be one line with status 2. */
    static void showAll(Path device, List<String> layout, String what) {
        Result ls = run(args(device, layout, "ls"));
        assertOneLineOrSuccess(ls, what + ": ls");
        for (String line : ls.text().lines().toList()) {
            Result cat = run(args(device, layout, "cat", line.split("\t")[0]));
            assertOneLineOrSuccess(cat, what + ": cat " + line);
        }
        assertOneLineOrSuccess(run(args(device, layout, "info")), what + ": info");
    }

    static void assertOneLineOrSuccess(Result r, String what) {
        if (r.status() != 0) {
            assertEquals(2, r.status(), what + ": " + r.err());
            assertEquals(1, r.err().lines().count(), what + ": " + r.err());
            assertTrue(r.err().startsWith("pstore-tool: "), what + ": " + r.err());
        }
    }

    @ParameterizedTest
    @MethodSource("imageNames")
    void aKmsgTimeBeyondWhatADateHoldsIsListedReadAndDescribed(String image) throws Exception {
        ZoneLayout l = layout(image);
        List<String> options = layoutOptions(image);
        byte[] original = Files.readAllBytes(images().resolve(image + ".img"));
        for (long seconds : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, Instant.MAX.getEpochSecond() + 1}) {
            byte[] bytes = original.clone();
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (long zone = 0; zone < l.kmsgCount(bytes.length); zone++) {
                b.putLong((int) (l.kmsgZoneOffset((int) zone) + ZoneFormat.HEADER_SIZE + ZoneFormat.KMSG_OFF_TIME_SEC),
                        seconds);
            }
            Path device = Files.write(dir.resolve("time.img"), bytes);
            Result ls = run(args(device, options, "ls"));
            assertEquals(0, ls.status(), seconds + ": " + ls.err());
            assertEquals(run(args(images().resolve(image + ".img"), options, "ls")).text().lines().count(),
                    ls.text().lines().count(), ls.text());
            showAll(device, options, image + " at " + seconds);
            assertArrayEquals(bytes, Files.readAllBytes(device), "reading changed nothing");
        }
    }

    @ParameterizedTest
    @MethodSource("imageNames")
    void mutatedLinuxImagesAreShownOrRefusedInOneLine(String image) throws Exception {
        List<String> options = layoutOptions(image);
        byte[] original = Files.readAllBytes(images().resolve(image + ".img"));
        Random random = new Random(image.hashCode());
        for (int i = 0; i < 12; i++) {
            byte[] bytes = original.clone();
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < 1 + random.nextInt(6); k++) {
                int zone = random.nextInt(bytes.length / 4096) * 4096;
                switch (random.nextInt(4)) {
                    case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                    case 1 -> b.putInt(zone + 4 * random.nextInt(13), random.nextInt());
                    case 2 -> b.putLong(zone + 4 * random.nextInt(12), random.nextLong());
                    default -> b.putInt(zone + ZoneFormat.OFF_DATALEN, new int[] {-1, Integer.MAX_VALUE, 41, 65524}[random.nextInt(4)]);
                }
            }
            Path device = Files.write(dir.resolve("mutated.img"), bytes);
            showAll(device, options, image + " mutation " + i);
            assertArrayEquals(bytes, Files.readAllBytes(device), "reading changed nothing");
        }
    }

    @Test
    void aDumpLongerThanARecordKeepsItsNewestPartAndSaysWhatWasLeftOut() throws Exception {
        Path device = dir.resolve("p.img");
        List<String> layout = List.of("--size", "64K", "--kmsg-size", "4K");
        StringBuilder log = new StringBuilder();
        for (int i = 0; log.length() < 40_000; i++) {
            log.append("<4>[").append(i).append("] line ").append(i).append(" of the log\n");
        }
        log.append("the crash is here\n");
        byte[] text = log.toString().getBytes(UTF_8);
        for (boolean compress : new boolean[] {false, true}) {
            List<String> command = new ArrayList<>(List.of("write", "dmesg"));
            if (compress) {
                command.add("--compress");
            }
            Result w = run(text, args(device, layout, command.toArray(String[]::new)));
            assertEquals(0, w.status(), w.err());
            String name = "dmesg-pstore_blk-" + (compress ? 1 : 0);
            String stored = run(args(device, layout, "cat", name)).text();
            Matcher m = Pattern.compile("pstore-tool: the input's " + text.length
                    + " bytes do not fit a record of (\\d+): kept the last \\1, left out the first (\\d+)\n").matcher(w.err());
            assertTrue(m.matches(), w.err());
            int kept = Integer.parseInt(m.group(1));
            assertEquals(text.length, kept + Integer.parseInt(m.group(2)));
            String tail = new String(text, text.length - kept, kept, UTF_8);
            assertTrue(stored.endsWith(tail), "the record is the input's newest " + kept + " bytes: " + stored.substring(0, 80));
            String before = stored.substring(0, stored.length() - tail.length());
            assertTrue(before.isEmpty() || before.matches("Oops: Total \\d+ times\n"), "nothing else: " + before);
        }
    }

    @Test
    void anMmcImageShorterThanItsHeaderIsOneLineAndLeftAlone() throws Exception {
        Path image = Files.write(dir.resolve("short.img"), "PSTMMC01".getBytes(UTF_8));
        for (String command : List.of("ls", "info")) {
            Result r = run("--device", "mmc:" + image, "--kmsg-size", "4K", command);
            assertEquals(2, r.status(), r.err());
            assertEquals("pstore-tool: " + image + " is not an MMC image: its 8 bytes are shorter than the image header\n",
                    r.err());
        }
        Result w = run("text".getBytes(UTF_8), "--device", "mmc:" + image, "--kmsg-size", "4K", "write", "dmesg");
        assertEquals(2, w.status());
        assertArrayEquals("PSTMMC01".getBytes(UTF_8), Files.readAllBytes(image));
    }
}
