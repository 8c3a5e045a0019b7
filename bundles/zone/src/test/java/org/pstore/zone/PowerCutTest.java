package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.StorageDevice;
import org.pstore.driver.file.FileDevice;

/**
 * A power cut at every writing operation of a scripted workload, with none, half or nearly all of
 * the operation in progress landing: the engine opens afterwards without an exception, every record
 * whose write had returned is there byte for byte, and nothing is shown that was not written.
 * {@code -Dpstore.reliability.scale=N} runs N times as many workloads (the long version).
 */
class PowerCutTest {

    static final int SCALE = Integer.getInteger("pstore.reliability.scale", 1);
    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 8192, 16384, 0, 1));
    static final int SIZE = 128 * 1024;
    static final double[] LANDED = {0.0, 0.5, 0.99};

    @TempDir
    Path dir;

    interface Medium {
        StorageDevice open(byte[] initial) throws Exception;

        /** What else the medium loses when the power goes. */
        default Runnable lostAtCut() {
            return () -> { };
        }
    }

    @Test
    void inMemory() throws Exception {
        cutEverywhere("memory", initial -> new MemoryDevice(initial.clone()), 60, 5);
    }

    @Test
    void onTheFileDevice() throws Exception {
        int[] n = {0};
        cutEverywhere("file", initial -> {
            Path image = dir.resolve("cut" + n[0]++ + ".img");
            Files.write(image, initial);
            return FileDevice.open(image, false);
        }, 30, 2);
    }

    /**
     * The file device over a page cache that a cut empties: only what it forced survives, so the
     * records whose write returned are found only if every write is forced before it returns.
     */
    @Test
    void onTheFileDeviceOverAVolatileCache() throws Exception {
        VolatileCacheFiles cache = new VolatileCacheFiles();
        int[] n = {0};
        cutEverywhere("file over a volatile cache", new Medium() {
            @Override
            public StorageDevice open(byte[] initial) throws Exception {
                Path image = dir.resolve("cached" + n[0]++ + ".img");
                Files.write(image, initial);
                return FileDevice.open(cache.path(image), false);
            }

            @Override
            public Runnable lostAtCut() {
                return cache::dropUnforced;
            }
        }, 30, 2);
    }

    private void cutEverywhere(String name, Medium medium, int actions, int rounds) throws Exception {
        long cuts = 0;
        long writes = 0;
        Set<String> states = new HashSet<>();
        for (int round = 0; round < rounds * SCALE; round++) {
            List<WorkloadModel.Action> before = WorkloadModel.script(10, 1000 + round).stream()
                    .filter(a -> a instanceof WorkloadModel.Dump).toList();
            List<WorkloadModel.Action> script = WorkloadModel.script(actions, round);
            byte[] initial = new byte[SIZE];
            long total = dryRun(medium, initial, before, script);
            for (long at = 0; at <= total; at++) {
                for (double landed : LANDED) {
                    WorkloadModel model = new WorkloadModel(CONFIG.layout());
                    // a clock that moves one second an action: the same cut leaves the same medium
                    TestClock clock = new TestClock(1_800_000_000L);
                    try (StorageDevice device = medium.open(initial)) {
                        try (ZoneEngine first = ZoneEngine.open(device, CONFIG, clock)) {
                            assertTrue(model.run(first, before, () -> clock.advance(1)));
                        }
                        FaultyDevice faulty = new FaultyDevice(device);
                        faulty.cutPowerAt(at, landed);
                        faulty.loseAtCut(medium.lostAtCut());
                        ZoneEngine engine = ZoneEngine.open(faulty, CONFIG, clock);
                        model.run(engine, script, () -> clock.advance(1));
                        closeAfterCut(engine);
                        if (faulty.powerLost()) {
                            cuts++;
                            states.add(digest(device));
                        }
                        writes += faulty.operations();
                        try (ZoneEngine reopened = ZoneEngine.open(device, CONFIG)) {
                            model.verify(reopened);
                        }
                    }
                }
            }
        }
        System.out.println("power cuts (" + name + "): " + cuts + " cuts during the workload, leaving "
                + states.size() + " distinct media, over " + writes + " device writes (writes, panic writes and"
                + " erases, the cut ones included); records lost or invented: 0");
    }

    /** What the medium holds after the cut, as a SHA-256. */
    static String digest(StorageDevice device) throws Exception {
        ByteBuffer all = ByteBuffer.allocate((int) device.size());
        device.read(0, all);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.array()));
    }

    /** How many writing operations the workload makes when nothing fails. */
    private static long dryRun(Medium medium, byte[] initial, List<WorkloadModel.Action> before,
                               List<WorkloadModel.Action> script) throws Exception {
        try (StorageDevice device = medium.open(initial)) {
            WorkloadModel model = new WorkloadModel(CONFIG.layout());
            try (ZoneEngine first = ZoneEngine.open(device, CONFIG)) {
                model.run(first, before);
            }
            FaultyDevice counting = new FaultyDevice(device);
            try (ZoneEngine engine = ZoneEngine.open(counting, CONFIG)) {
                assertTrue(model.run(engine, script), "the workload runs without faults");
            }
            try (ZoneEngine reopened = ZoneEngine.open(device, CONFIG)) {
                model.verify(reopened);
            }
            return counting.operations();
        }
    }

    @Test
    void shortAndFailedWritesAreRetriedWholeOnceTheDeviceRecovers() throws Exception {
        MemoryDevice memory = new MemoryDevice(SIZE);
        FaultyDevice device = new FaultyDevice(memory);
        List<String> texts = List.of("first dump\n".repeat(100), "second dump\n".repeat(200), "third\n".repeat(300));
        try (ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            device.shortWrites = true;
            for (String text : texts) {
                assertEquals(WriteStatus.PENDING, engine.dump(DumpReason.OOPS, text.getBytes(US_ASCII), false));
            }
            assertEquals(3, engine.dirtyZoneCount());
            device.shortWrites = false;
            device.failWrites = true;
            assertFalse(engine.flush());
            device.failWrites = false;
            assertTrue(engine.flush());
        }
        try (ZoneEngine reopened = ZoneEngine.open(memory, CONFIG)) {
            for (int zone = 0; zone < texts.size(); zone++) {
                assertEquals("Oops: Total " + (zone + 1) + " times\n" + texts.get(zone),
                        new String(reopened.read("dmesg-pstore_blk-" + zone), US_ASCII));
            }
            assertTrue(reopened.problems().isEmpty(), reopened.problems().toString());
        }
    }

    static void closeAfterCut(ZoneEngine engine) {
        try {
            engine.close();
        } catch (PstoreException expected) {
            // the power is gone: what was dirty cannot be written
        }
    }
}
