package org.pstore.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.driver.mmc.MmcCard;
import org.pstore.driver.mmc.MmcDevice;
import org.pstore.driver.mmc.MmcTiming;
import org.pstore.driver.nand.NandChip;
import org.pstore.driver.nand.NandPstoreDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;
import org.pstore.zone.internal.ZoneFormat;

/**
 * The panic write in simulated device time (the chips' datasheet timing, counted, never slept):
 * many panics, each at a random moment of a busy workload (kmsg dumps of random sizes, ring
 * appends, records erased), against the floor the chip allows for the same bytes.
 * <ul>
 * <li>NAND (SLC with 2 KiB pages, MLC with 8 KiB pages; 64 KiB zones): the floor is the record's pages (zone header, kmsg
 * header and text, rounded up to whole pages) times the page program time; erases during the
 * panic are counted (the promise: none).</li>
 * <li>MMC (SD High Speed): the floor is one reliable write of the zone image the panic writes
 * (pstore/zone writes a kmsg zone whole, zeros after the text): the command's latency plus its
 * sectors' transfer.</li>
 * </ul>
 * Single-threaded, so the time counted during a panic is the panic's own commands. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar org.pstore.benchmarks.SimulatedPanicTime [panics] [seed]}.
 */
public final class SimulatedPanicTime {

    static final int ZONE = 64 * 1024;

    /** The panic's simulated time and the floor for its bytes, per panic; stored false when it was lost. */
    record Sample(long nanos, long floorNanos, long erases, boolean stored) {
    }

    private SimulatedPanicTime() {
    }

    public static void main(String[] args) throws Exception {
        int panics = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 15;
        report("NAND SLC 2 KiB pages, 64 KiB zones", nand(panics, new Random(seed), 2048, 64, 64));
        report("NAND MLC 8 KiB pages, 64 KiB zones", nand(panics, new Random(seed), 8192, 448, 16));
        report("MMC SD High Speed, 64 KiB zones", mmc(panics, new Random(seed)));
    }

    /** A chip of {@code blocks} blocks of 64 pages, with the timing of its page size's class. */
    static List<Sample> nand(int panics, Random random, int pageSize, int oobSize, int blocks) throws IOException {
        Path image = Files.createTempFile("nand-time", ".img");
        Files.delete(image);
        try {
            NandChip chip = NandChip.format(image, pageSize, oobSize, 64, blocks, Set.of());
            try (NandPstoreDevice device = NandPstoreDevice.open(chip, "nand", ZONE);
                 ZoneEngine engine = ZoneEngine.open(device, ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE)))) {
                return run(engine, panics, random, (bytes, action) -> {
                    long busy = chip.busyNanos();
                    long erases = erases(chip);
                    boolean stored = action.run();
                    long pages = (bytes + chip.pageSize() - 1) / chip.pageSize();
                    return new Sample(chip.busyNanos() - busy, pages * chip.timing().programNanos(),
                            erases(chip) - erases, stored);
                });
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }

    static List<Sample> mmc(int panics, Random random) throws IOException {
        Path image = Files.createTempFile("mmc-time", ".img");
        Files.delete(image);
        try {
            MmcCard card = MmcCard.format(image, 8 << 20, 1 << 20, 4 << 20, (byte) 0);
            card.setTiming(MmcTiming.SD_HIGH_SPEED);
            ZoneLayout layout = new ZoneLayout(ZONE, 16 * 1024, 16 * 1024, 0, 1);
            try (MmcDevice device = new MmcDevice(card, "mmc"); ZoneEngine engine = ZoneEngine.open(device, ZoneConfig.of(layout))) {
                return run(engine, panics, random, (bytes, action) -> {
                    long busy = card.busyNanos();
                    boolean stored = action.run();
                    long floor = card.timing().write(ZONE / MmcCard.SECTOR);
                    return new Sample(card.busyNanos() - busy, floor, 0, stored);
                });
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }

    /** The panic; true when it was stored. */
    interface Action {
        boolean run() throws IOException;
    }

    interface Meter {
        Sample measure(long recordBytes, Action panic) throws IOException;
    }

    /** The busy workload, with a panic after a random number of its steps, {@code panics} times. */
    static List<Sample> run(ZoneEngine engine, int panics, Random random, Meter meter) throws IOException {
        Sample[] samples = new Sample[panics];
        int capacity = engine.dumpCapacity(false);
        ByteBuffer dump = ByteBuffer.allocateDirect(capacity);
        for (int p = 0; p < panics; p++) {
            for (int steps = random.nextInt(8); steps > 0; steps--) {
                workloadStep(engine, random, capacity);
            }
            int length = 1 + random.nextInt(capacity);
            dump.clear();
            while (dump.position() < length) {
                dump.put((byte) ('a' + random.nextInt(26)));
            }
            dump.flip();
            long recordBytes = ZoneFormat.KMSG_TEXT_OFFSET + length;
            samples[p] = meter.measure(recordBytes, () -> {
                try {
                    return engine.panicDump(DumpReason.PANIC, dump, false) == WriteStatus.STORED;
                } catch (PstoreException lost) {
                    return false; // no zone could take it: counted, not timed
                }
            });
        }
        return List.of(samples);
    }

    private static void workloadStep(ZoneEngine engine, Random random, int capacity) throws IOException {
        int what = random.nextInt(10);
        if (what < 4) {
            byte[] text = new byte[1 + random.nextInt(capacity)];
            Arrays.fill(text, (byte) 'w');
            engine.dump(DumpReason.OOPS, text, random.nextBoolean());
        } else if (what < 8 && engine.hasZones(RecordType.PMSG)) {
            engine.append(random.nextBoolean() ? RecordType.PMSG : RecordType.CONSOLE,
                    ("line " + random.nextInt() + "\n").getBytes());
        } else {
            List<PstoreRecord> records = engine.records();
            if (!records.isEmpty()) {
                engine.erase(records.get(random.nextInt(records.size())).name());
            }
        }
    }

    private static long erases(NandChip chip) {
        long erases = 0;
        for (int b = 0; b < chip.blocks(); b++) {
            erases += chip.eraseCount(b);
        }
        return erases;
    }

    static void report(String what, List<Sample> all) {
        List<Sample> samples = all.stream().filter(Sample::stored).toList();
        double[] ratios = samples.stream().mapToDouble(s -> (double) s.nanos() / s.floorNanos()).sorted().toArray();
        long[] nanos = samples.stream().mapToLong(Sample::nanos).sorted().toArray();
        long erases = all.stream().mapToLong(Sample::erases).sum();
        System.out.printf("%s: %d panics stored; panic write p50 %.3f ms, p99 %.3f ms of simulated device time;"
                        + " time / floor p50 %.3f, p99 %.3f, max %.3f; erases during panics: %d;"
                        + " panics lost (no zone free): %d%n",
                what, samples.size(), nanos[percentile(nanos.length, 50)] / 1e6, nanos[percentile(nanos.length, 99)] / 1e6,
                ratios[percentile(ratios.length, 50)], ratios[percentile(ratios.length, 99)], ratios[ratios.length - 1],
                erases, all.size() - samples.size());
    }

    private static int percentile(int n, int p) {
        return Math.min(n - 1, (int) Math.ceil(n * p / 100.0) - 1);
    }
}
