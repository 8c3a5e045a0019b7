package org.pstore.driver.mmc;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreRecord;
import org.pstore.api.WriteStatus;
import org.pstore.driver.file.TestMedium;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/** The MMC panic write keeps the promise: no unbounded wait, no allocation from the first call. */
class MmcPanicPathTest {

    static final ZoneConfig CONFIG = ZoneConfig.of(ZoneLayout.kmsgOnly(4096));
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    @Test
    void aPanicBesideANormalWriteStuckOnTheCardIsStoredAndFoundAfterReopen() throws Exception {
        Path image = dir.resolve("card.img");
        MmcCard.format(image, 128 * 1024, 8192, 65536, (byte) 0xff).close();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        TestMedium[] medium = new TestMedium[1];
        try (MmcCard card = MmcCard.open(image, false, c -> medium[0] = new TestMedium(c))) {
            ZoneEngine engine = ZoneEngine.open(new MmcDevice(card, "mmc"), CONFIG);
            Future<?> normal = threads.submit(() -> {
                medium[0].holdWritesOf(Thread.currentThread());
                engine.dump(DumpReason.OOPS, "a normal oops".getBytes(US_ASCII), false);
                return null;
            });
            medium[0].awaitHeld(); // the normal write holds the engine's and the card's locks
            Future<WriteStatus> panic = threads.submit(() -> engine.panicDump(DumpReason.PANIC,
                    ByteBuffer.wrap("panic while stuck".getBytes(US_ASCII)), false));
            // a deadlock guard, not a speed target: the panic must not need the stuck write to end
            assertEquals(WriteStatus.STORED, panic.get(30, TimeUnit.SECONDS));
            assertFalse(normal.isDone(), "the normal write was still stuck when the panic returned");
            medium[0].release();
            normal.get(30, TimeUnit.SECONDS);
            engine.close();
        } finally {
            threads.shutdownNow();
        }
        try (MmcCard card = MmcCard.open(image, true);
             ZoneEngine engine = ZoneEngine.open(new MmcDevice(card, "mmc"), CONFIG)) {
            List<PstoreRecord> records = engine.records();
            assertTrue(records.stream().anyMatch(r -> new String(read(engine, r), US_ASCII).contains("panic while stuck")),
                    records.toString());
        }
    }

    static byte[] read(ZoneEngine engine, PstoreRecord r) {
        try {
            return engine.read(r.name());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void thePanicWriteAllocatesNothingFromItsFirstCallAfterOpen() throws Exception {
        Path image = dir.resolve("card.img");
        MmcCard.format(image, 256 * 1024, 8192, 128 * 1024, (byte) 0x00).close();
        try (MmcDevice device = new MmcDevice(MmcCard.open(image, false), "mmc")) {
            // as the engine hands them: heap buffers, a whole zone, a piece longer than the
            // device's panic buffer, and an unaligned one
            ByteBuffer zone = ByteBuffer.allocate(4096);
            ByteBuffer longer = ByteBuffer.allocate(MmcDevice.PANIC_CHUNK + 1000);
            ByteBuffer unaligned = ByteBuffer.allocate(700);
            long id = Thread.currentThread().getId();
            THREADS.getThreadAllocatedBytes(id);
            long before = THREADS.getThreadAllocatedBytes(id);
            device.panicWrite(8192, zone);
            device.panicWrite(16384, longer);
            device.panicWrite(1000, unaligned);
            long allocated = THREADS.getThreadAllocatedBytes(id) - before;
            assertEquals(0, allocated, "bytes allocated by the first panic writes after open");
        }
    }
}
