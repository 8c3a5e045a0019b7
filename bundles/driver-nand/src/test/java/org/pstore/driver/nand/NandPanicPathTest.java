package org.pstore.driver.nand;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.WriteStatus;
import org.pstore.driver.file.TestMedium;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * The NAND panic write keeps the promise, as mtdpstore_panic_write: it never erases, never waits
 * unboundedly for a write in progress, and allocates nothing from the first call after open.
 */
class NandPanicPathTest {

    static final int ZONE = 4096; // two pages; four zones a block
    static final ZoneConfig CONFIG = ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE));
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    static long erases(NandChip chip) {
        return chip.log().stream().filter(op -> op.kind().equals("erase")).count();
    }

    static boolean holds(ZoneEngine engine, String text) throws Exception {
        for (PstoreRecord r : engine.records()) {
            if (new String(engine.read(r.name()), US_ASCII).contains(text)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aPanicBesideANormalWriteStuckOnTheChipIsStoredAndFoundAfterReopen() throws Exception {
        Path image = dir.resolve("nand.img");
        NandChip.format(image, 2048, 64, 8, 6, Set.of()).close();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        TestMedium[] medium = new TestMedium[1];
        try (NandPstoreDevice device = NandPstoreDevice.open(
                NandChip.open(image, false, c -> medium[0] = new TestMedium(c)), "nand", ZONE)) {
            ZoneEngine engine = ZoneEngine.open(device, CONFIG);
            Future<?> normal = threads.submit(() -> {
                medium[0].holdWritesOf(Thread.currentThread());
                engine.dump(DumpReason.OOPS, "a normal oops".getBytes(US_ASCII), false);
                return null;
            });
            medium[0].awaitHeld(); // the normal write holds the engine's, the device's and the chip's locks
            long erasesBefore = erases(device.chip());
            Future<WriteStatus> panic = threads.submit(() -> engine.panicDump(DumpReason.PANIC,
                    ByteBuffer.wrap("panic while stuck".getBytes(US_ASCII)), false));
            // a deadlock guard, not a speed target: the panic must not need the stuck write to end
            assertEquals(WriteStatus.STORED, panic.get(30, TimeUnit.SECONDS));
            assertFalse(normal.isDone(), "the normal write was still stuck when the panic returned");
            assertEquals(erasesBefore, erases(device.chip()), "the panic erased nothing");
            medium[0].release();
            normal.get(30, TimeUnit.SECONDS);
            engine.close();
        } finally {
            threads.shutdownNow();
        }
        try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, true), "nand", ZONE);
             ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            assertTrue(holds(engine, "panic while stuck"), engine.records().toString());
            assertTrue(holds(engine, "a normal oops"), engine.records().toString());
        }
    }

    @Test
    void aPanicIntoTheLastFreeZoneErasesNothing() throws Exception {
        Path image = dir.resolve("nand.img");
        NandChip.format(image, 2048, 64, 8, 3, Set.of()).close();
        try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, false), "nand", ZONE);
             ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            for (int i = 0; i < 7; i++) { // 8 zones beside the spare block: the device keeps the eighth free
                engine.dump(DumpReason.OOPS, ("oops " + i).getBytes(US_ASCII), false);
            }
            long erasesBefore = erases(device.chip());
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC,
                    ByteBuffer.wrap("the last zone".getBytes(US_ASCII)), false));
            assertEquals(erasesBefore, erases(device.chip()), "the panic erased nothing");
        }
        try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, true), "nand", ZONE);
             ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            assertTrue(holds(engine, "the last zone"), engine.records().toString());
        }
    }

    @Test
    void thePanicWriteAllocatesNothingFromItsFirstCallAfterOpen() throws Exception {
        Path image = dir.resolve("nand.img");
        NandChip.format(image, 2048, 64, 64, 40, Set.of(3)).close();
        try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, false), "nand", ZONE)) {
            // as the engine hands them: heap buffers of a whole zone, one with a trailing page of zeros
            ByteBuffer full = ByteBuffer.allocate(ZONE);
            for (int i = 0; i < ZONE; i++) {
                full.put(i, (byte) (i | 1));
            }
            ByteBuffer half = ByteBuffer.allocate(ZONE);
            half.put(0, (byte) 1);
            long far = (long) (38 * 64 * 2048 / ZONE + 3) * ZONE; // a zone in the last block before the spare
            long id = Thread.currentThread().getId();
            THREADS.getThreadAllocatedBytes(id);
            long before = THREADS.getThreadAllocatedBytes(id);
            device.panicWrite(0, full);
            device.panicWrite(far, half);
            long allocated = THREADS.getThreadAllocatedBytes(id) - before;
            assertEquals(0, allocated, "bytes allocated by the first panic writes after open");
        }
    }

    @Test
    void oneWriterPerChip() throws Exception {
        Path image = dir.resolve("nand.img");
        try (NandChip chip = NandChip.format(image, 2048, 64, 8, 4, Set.of())) {
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                try {
                    NandChip.open(image, false).close();
                } catch (PstoreException e) {
                    refused.add(e.getMessage());
                }
                NandChip.open(image, true).close(); // a reader in this JVM shares the chip's channel
            }
            assertEquals(2, refused.size(), "a second writer is refused, before and after a reader came and went");
            assertTrue(refused.get(0).contains("is in use by this process"), refused.get(0));
            chip.programPage(0, 0, ByteBuffer.allocate(2048));
        }
        try (NandChip reader = NandChip.open(image, true)) {
            assertTrue(reader.isProgrammed(0, 0));
        }
        NandChip.open(image, false).close();
    }
}
