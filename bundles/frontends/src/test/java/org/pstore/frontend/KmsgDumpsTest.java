package org.pstore.frontend;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.zone.MemoryDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

class KmsgDumpsTest {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 0, 0, 0, 1));

    /** The engine, with a first panic dump that waits to be let go, counting the panic dumps in flight. */
    static final class HeldPanics implements Pstore {
        final ZoneEngine engine;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostInFlight = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        HeldPanics(ZoneEngine engine) {
            this.engine = engine;
        }

        @Override
        public WriteStatus panicDump(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (calls.incrementAndGet() == 1) {
                    entered.countDown();
                    release.await(10, TimeUnit.SECONDS);
                }
                return engine.panicDump(reason, text, compress);
            } catch (InterruptedException e) {
                throw new PstoreException("interrupted", e);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public List<PstoreRecord> records() throws PstoreException {
            return engine.records();
        }

        @Override
        public byte[] read(String name) throws PstoreException {
            return engine.read(name);
        }

        @Override
        public void erase(String name) throws PstoreException {
            engine.erase(name);
        }

        @Override
        public WriteStatus dump(DumpReason reason, byte[] text, boolean compress) throws PstoreException {
            return engine.dump(reason, text, compress);
        }

        @Override
        public WriteStatus append(RecordType type, byte[] bytes) throws PstoreException {
            return engine.append(type, bytes);
        }

        @Override
        public boolean hasZones(RecordType type) {
            return engine.hasZones(type);
        }

        @Override
        public int maxReason() {
            return engine.maxReason();
        }

        @Override
        public int dumpCapacity(boolean compress) {
            return engine.dumpCapacity(compress);
        }
    }

    @Test
    void panicsAreDumpedOneAtATimeThoughEnableReplacesTheBuffer() throws Exception {
        byte[] image = new byte[16384];
        KmsgDumps dumps = new KmsgDumps(4096, false);
        try (ZoneEngine engine = ZoneEngine.open(new MemoryDevice(image), CONFIG)) {
            HeldPanics pstore = new HeldPanics(engine);
            dumps.enable(pstore);
            dumps.log(KmsgLine.EMERG, "first");
            Thread first = new Thread(() -> call(dumps));
            first.start();
            assertTrue(pstore.entered.await(10, TimeUnit.SECONDS));
            dumps.enable(pstore); // a new backend's buffer while the first panic is still being written
            Thread second = new Thread(() -> call(dumps));
            second.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (second.getState() != Thread.State.BLOCKED && pstore.inFlight.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            pstore.release.countDown();
            first.join();
            second.join();
            assertEquals(1, pstore.mostInFlight.get(), "panic dumps in flight at once");
            assertEquals(2, pstore.calls.get());
        }
        try (ZoneEngine reopened = ZoneEngine.open(new MemoryDevice(image), CONFIG)) {
            List<String> heads = reopened.records().stream().map(r -> head(reopened, r)).sorted().toList();
            assertEquals(List.of("Panic#1 Part1", "Panic#2 Part1"), heads);
        }
    }

    private static void call(KmsgDumps dumps) {
        try {
            dumps.panicDump();
        } catch (PstoreException e) {
            throw new AssertionError(e);
        }
    }

    /** The dump's own first line, after the "Panic: Total n times" line Linux puts before it. */
    private static String head(ZoneEngine engine, PstoreRecord r) {
        try {
            return new String(engine.read(r.name()), US_ASCII).lines().skip(1).findFirst().orElse("");
        } catch (PstoreException e) {
            throw new AssertionError(e);
        }
    }
}
