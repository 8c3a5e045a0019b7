package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marker's groups, seen through what it reports and what it wrote to the sent log. */
class SentMarkerTest {

    @TempDir
    Path state;

    static OutgoingCrash acknowledged(String id) {
        OutgoingCrash out = new OutgoingCrash(id, new byte[100]);
        out.send = new RateLimit.Send(1_000, 100);
        return out;
    }

    /**
     * While a force is under way (the test holds the marker in its report of the first group),
     * 200 PUBACKs come: they are forced in groups of at most 64, one after the other.
     */
    @Test
    void aGroupHoldsAtMost64Marks() throws Exception {
        List<Integer> groups = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch firstReported = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        List<String> ids = new ArrayList<>();
        try (SentLog log = SentLog.open(state)) {
            SentMarker marker = new SentMarker(log, "test-marks", (batch, failed) -> {
                if (failed != null) {
                    failures.add(failed.toString());
                }
                groups.add(batch.size());
                firstReported.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, finished::get);
            marker.start();
            ids.add("c000");
            marker.acknowledged(acknowledged("c000"), true);
            assertTrue(firstReported.await(30, TimeUnit.SECONDS), "the first group forced");
            for (int i = 1; i <= 200; i++) {
                String id = String.format("c%03d", i);
                ids.add(id);
                marker.acknowledged(acknowledged(id), false);
            }
            release.countDown();
            Waiting.until("201 marks", 30_000, () -> log.size() == 201, log::size);
            finished.set(true);
            marker.wake();
            marker.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(List.of(1, 64, 64, 64, 8), groups);
        assertEquals(ids, Files.readAllLines(state.resolve(SentLog.FILE)).stream().map(l -> l.split(" ")[2]).toList(),
                "every mark once, in the order acknowledged");
    }
}
