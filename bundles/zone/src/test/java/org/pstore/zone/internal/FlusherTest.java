package org.pstore.zone.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The background flush keeps retrying whatever a flush does, and says what went wrong. */
class FlusherTest {

    @Test
    void aRuntimeExceptionInAFlushIsReportedAndRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<RuntimeException> reported = new CopyOnWriteArrayList<>();
        CountDownLatch clean = new CountDownLatch(1);
        Flusher flusher = new Flusher("test", () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("a bug in the flush");
            }
            clean.countDown();
            return true;
        }, reported::add);
        try {
            flusher.schedule();
            assertTrue(clean.await(10, TimeUnit.SECONDS), "retried after the exception: " + calls.get() + " call(s)");
            assertEquals(1, reported.size());
            assertEquals("a bug in the flush", reported.get(0).getMessage());
        } finally {
            flusher.stop();
        }
    }
}
