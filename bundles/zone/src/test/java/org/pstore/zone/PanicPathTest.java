package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.WriteStatus;
import org.pstore.zone.internal.ZoneFormat;

/** The panic path: the device's panic write, no allocation, no long wait for a lock, every failure reported. */
class PanicPathTest {

    static final int ZONE = 4096;
    final TestClock clock = new TestClock(1_800_000_000L);
    final MemoryDevice device = new MemoryDevice(4 * ZONE);
    final ZoneConfig config = ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE));
    final ByteBuffer text = ByteBuffer.wrap("Panic#1 Part1\n<0>[   5.000000] Kernel panic\n".getBytes(US_ASCII));

    @Test
    void aPanicRecordGoesThroughThePanicWriteAndIsListed() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC, text, false));
            assertEquals(1, device.panicWrites.size());
            assertEquals(0, text.position(), "the caller's buffer is left as it was");
            assertEquals("Panic: Total 1 times\nPanic#1 Part1\n<0>[   5.000000] Kernel panic\n",
                    new String(engine.read("dmesg-pstore_blk-0"), US_ASCII));
            engine.dump(DumpReason.OOPS, "after".getBytes(US_ASCII), false);
            assertEquals(2, engine.records().size(), "the next dump went to the next zone");
        }
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(1, engine.panicCount());
            assertEquals(2, engine.records().size());
        }
    }

    @Test
    void aCompressedPanicRecordReadsBack() throws Exception {
        ByteBuffer big = ByteBuffer.wrap("<0>[   5.000000] stack frame\n".repeat(200).getBytes(US_ASCII));
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            engine.panicDump(DumpReason.PANIC, big, true);
            assertEquals(1, device.bytes[36]);
            assertEquals(big.remaining(), engine.read("dmesg-pstore_blk-0").length);
        }
    }

    @Test
    void aBestEffortDeviceSaysThePanicRecordIsLost() throws Exception {
        device.panicWrite = false;
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            PstoreException e = assertThrows(PstoreException.class, () -> engine.panicDump(DumpReason.PANIC, text, false));
            assertTrue(e.getMessage().contains("no panic write"), e.getMessage());
        }
    }

    @Test
    void aFailingPanicWriteIsReported() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            device.failWrites = true;
            assertThrows(PstoreException.class, () -> engine.panicDump(DumpReason.PANIC, text, false));
            device.failWrites = false;
        }
    }

    @Test
    void thePanicPathAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        device.log = false;
        ByteBuffer big = ByteBuffer.wrap("<0>[   5.000000] stack frame\n".repeat(100).getBytes(US_ASCII));
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            for (int i = 0; i < 20_000; i++) { // let the JIT settle
                engine.panicDump(DumpReason.PANIC, text, false);
                engine.panicDump(DumpReason.PANIC, big, true);
            }
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 1_000; i++) {
                engine.panicDump(DumpReason.PANIC, text, false);
                engine.panicDump(DumpReason.PANIC, big, true);
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            // the measurement itself costs a few bytes; a single allocation per call would be >= 32 000
            System.out.println("panic path allocated " + allocated);
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes in 2000 panic writes");
        }
    }

    @Test
    void aLockHeldElsewhereDelaysThePanicOnlyBriefly() throws Exception {
        MemoryDevice slow = new MemoryDevice(4 * ZONE) {
            final CountDownLatch entered = new CountDownLatch(1);

            @Override
            public void write(long position, ByteBuffer src) throws java.io.IOException {
                if (position == 0 && entered.getCount() > 0) {
                    entered.countDown();
                    try {
                        Thread.sleep(3_000); // a normal write stuck in the device, holding the engine's lock
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.write(position, src);
            }
        };
        ZoneConfig withPmsg = ZoneConfig.of(new ZoneLayout(ZONE, 0, 0, 0, 1));
        try (ZoneEngine engine = ZoneEngine.open(slow, withPmsg, clock)) {
            Thread stuck = new Thread(() -> {
                try {
                    engine.dump(DumpReason.OOPS, "stuck".getBytes(US_ASCII), false);
                } catch (PstoreException e) {
                    throw new IllegalStateException(e);
                }
            });
            stuck.start();
            Thread.sleep(200);
            long t0 = System.nanoTime();
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC, text, false));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(waited < 1_000, "the panic waited " + waited + " ms");
            assertEquals(0x43474244, ZoneFormat.le(slow.bytes).getInt(ZONE), "panic record in zone 1");
            stuck.join();
            assertEquals(2, engine.records().size(), "both records are listed once the lock is free");
        }
    }

    @Test
    void aPendingWriteNeverOverwritesAPanicRecord() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            device.failWrites = true;
            for (int i = 0; i < 4; i++) {
                assertEquals(WriteStatus.PENDING, engine.dump(DumpReason.OOPS, ("pending " + i).getBytes(US_ASCII), false));
            }
            device.failWrites = false;
            // the cursor wrapped: the panic takes zone 0, whose older dump still waits in memory
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC, text, false));
            assertTrue(engine.flush());
            assertTrue(new String(engine.read("dmesg-pstore_blk-0"), US_ASCII).startsWith("Panic: Total 1 times\n"));
        }
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertTrue(new String(engine.read("dmesg-pstore_blk-0"), US_ASCII).startsWith("Panic: Total 1 times\n"));
            assertTrue(new String(engine.read("dmesg-pstore_blk-3"), US_ASCII).endsWith("pending 3"));
        }
    }
}
