package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
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
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes in 2000 panic writes");
            System.out.println("panic path allocated " + allocated + " bytes in 2000 panic writes after 40 000 to warm up");
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

    @Test
    void aPanicNeverWritesOverAZoneThatCouldNotBeReadAtOpen() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            engine.dump(DumpReason.OOPS, "the record in zone 0".getBytes(US_ASCII), false);
        }
        byte[] zone0 = Arrays.copyOf(device.bytes, ZONE);
        device.failReadsFrom = 0;
        device.failReadsTo = ZONE;
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            device.failReadsFrom = -1;
            device.failReadsTo = -1;
            assertEquals(0, engine.nextKmsgZone(), "nothing readable is newer: the cursor starts at the unreadable zone");
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC, text, false));
        }
        assertArrayEquals(zone0, Arrays.copyOf(device.bytes, ZONE), "the unreadable zone is untouched");
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertTrue(new String(engine.read("dmesg-pstore_blk-1"), US_ASCII).startsWith("Panic: Total 1 times\n"));
        }
    }

    /** A memory device whose normal write to one offset stops until released, and whose panic write may too. */
    static final class GatedDevice extends MemoryDevice {
        volatile long stallWriteAt = -1;
        final CountDownLatch writeStalled = new CountDownLatch(1);
        final CountDownLatch releaseWrite = new CountDownLatch(1);
        volatile boolean gatePanic;
        final CountDownLatch panicEntered = new CountDownLatch(1);
        final CountDownLatch releasePanic = new CountDownLatch(1);
        volatile Runnable onRead;

        GatedDevice(int size) {
            super(size);
        }

        @Override
        public void read(long position, ByteBuffer dst) throws java.io.IOException {
            Runnable hook = onRead;
            if (hook != null) {
                onRead = null;
                hook.run();
            }
            super.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws java.io.IOException {
            if (position == stallWriteAt) {
                stallWriteAt = -1;
                writeStalled.countDown();
                await(releaseWrite);
            }
            super.write(position, src);
        }

        @Override
        public void panicWrite(long position, ByteBuffer src) throws java.io.IOException {
            if (gatePanic) {
                panicEntered.countDown();
                await(releasePanic);
            }
            super.panicWrite(position, src);
        }

        static void await(CountDownLatch latch) {
            try {
                assertTrue(latch.await(20, TimeUnit.SECONDS), "released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Thread start(List<Throwable> failures, ConcurrencyTest.Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(e);
            }
        });
        t.start();
        return t;
    }

    @Test
    void aFlushHoldingTheLockNeverWritesAStaleImageOverThePanicsZone() throws Exception {
        GatedDevice gated = new GatedDevice(4 * ZONE);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (ZoneEngine engine = ZoneEngine.open(gated, config, clock)) {
            gated.failWrites = true;
            for (int i = 0; i < 4; i++) {
                assertEquals(WriteStatus.PENDING, engine.dump(DumpReason.OOPS, ("pending " + i).getBytes(US_ASCII), false));
            }
            gated.failWrites = false;
            gated.stallWriteAt = 0; // the flush stops inside its write of zone 0, holding the lock
            Thread flush = start(failures, engine::flush);
            assertTrue(gated.writeStalled.await(20, TimeUnit.SECONDS));
            // the cursor wrapped: the panic's turn is zone 0, the one the flush is writing
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC, text, false));
            gated.releaseWrite.countDown();
            flush.join();
            assertTrue(failures.isEmpty(), failures.toString());
        }
        try (ZoneEngine engine = ZoneEngine.open(gated, config, clock)) {
            List<String> shown = new ArrayList<>();
            for (PstoreRecord r : engine.records()) {
                shown.add(new String(engine.read(r.name()), US_ASCII));
            }
            assertEquals(1, shown.stream().filter(t -> t.startsWith("Panic: Total 1 times\n")).count(), shown.toString());
        }
    }

    @Test
    void aPanicDuringTheTakeInIsNotLost() throws Exception {
        GatedDevice gated = new GatedDevice(4 * ZONE);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (ZoneEngine engine = ZoneEngine.open(gated, config, clock)) {
            assertEquals(WriteStatus.STORED, engine.panicDump(DumpReason.PANIC, text, false));
            // the next listing takes that record in; while it re-reads the zone, a second panic lands
            gated.onRead = () -> {
                Thread second = start(failures, () -> engine.panicDump(DumpReason.PANIC, text, false));
                try {
                    second.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            engine.records();
            assertTrue(failures.isEmpty(), failures.toString());
            assertEquals(List.of("dmesg-pstore_blk-0", "dmesg-pstore_blk-1"),
                    engine.records().stream().map(PstoreRecord::name).toList(), "both panic records are listed");
        }
    }

    @Test
    void closeWaitsForAPanicThatSkippedTheLock() throws Exception {
        GatedDevice gated = new GatedDevice(4 * ZONE);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        ByteBuffer big = ByteBuffer.wrap("<0>[   5.000000] stack frame\n".repeat(100).getBytes(US_ASCII));
        ZoneEngine engine = ZoneEngine.open(gated, config, clock);
        gated.stallWriteAt = 0; // a dump stuck in the device holds the lock
        Thread dump = start(failures, () -> engine.dump(DumpReason.OOPS, "stuck".getBytes(US_ASCII), false));
        assertTrue(gated.writeStalled.await(20, TimeUnit.SECONDS));
        gated.gatePanic = true; // the panic, past its wait for the lock, stops inside its compressed write
        WriteStatus[] status = new WriteStatus[1];
        Thread panic = start(failures, () -> status[0] = engine.panicDump(DumpReason.PANIC, big, true));
        assertTrue(gated.panicEntered.await(20, TimeUnit.SECONDS));
        gated.releaseWrite.countDown();
        dump.join();
        Thread close = start(failures, engine::close);
        close.join(500);
        assertTrue(close.isAlive(), "close returned while a panic was still writing");
        gated.releasePanic.countDown();
        panic.join();
        close.join();
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(WriteStatus.STORED, status[0]);
        assertThrows(PstoreException.class, () -> engine.panicDump(DumpReason.PANIC, text, false), "closed");
        try (ZoneEngine reopened = ZoneEngine.open(gated, config, clock)) {
            assertEquals(big.remaining(), reopened.read("dmesg-pstore_blk-1").length);
        }
    }
}

