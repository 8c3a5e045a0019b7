package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limits, backoff and the sent log, without a broker. */
class LimitsTest {

    static final long H = RateLimit.HOUR;

    @Test
    void perHourCountsASlidingHour() {
        RateLimit r = new RateLimit(2, 0);
        assertEquals(0, r.waitMillis(0, 10));
        r.take(0, 10);
        r.take(1000, 10);
        assertEquals(H - 1000, r.waitMillis(1000, 10)); // the first leaves the window at H
        assertEquals(0, r.waitMillis(H + 1, 10));
        RateLimit.Send s = r.take(H + 1, 10);
        assertEquals(1000 + H - (H + 2), r.waitMillis(H + 2, 10));
        r.release(s); // not acknowledged: it does not count
        assertEquals(0, r.waitMillis(H + 2, 10));
    }

    @Test
    void bytesPerDayCountsASlidingDay() {
        RateLimit r = new RateLimit(0, 1000);
        assertFalse(r.fits(1001));
        assertTrue(r.fits(1000));
        r.take(0, 600);
        r.take(10, 300);
        assertEquals(0, r.waitMillis(20, 100));
        assertEquals(RateLimit.DAY - 20, r.waitMillis(20, 101)); // the 600 must leave first
        assertEquals(RateLimit.DAY + 10 - 20, r.waitMillis(20, 800)); // both must leave
    }

    @Test
    void backoffDoublesWithJitterUpToItsMaximumAndStartsOverAfterASuccess() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), new Random(42));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
        long[] waits = new long[ceilings.length];
        for (int i = 0; i < ceilings.length; i++) {
            waits[i] = b.nextMillis();
            assertTrue(waits[i] >= ceilings[i] / 2 && waits[i] <= ceilings[i], i + ": " + waits[i]);
        }
        assertTrue(waits[4] != waits[5] || waits[5] != waits[6], "jittered");
        b.reset();
        long w = b.nextMillis();
        assertTrue(w >= 50 && w <= 100, "from the start: " + w);
    }

    @Test
    void theSentLogDropsATornLineAndCompacts(@TempDir Path state) throws Exception {
        try (SentLog log = SentLog.open(state)) {
            log.append(List.of(new SentLog.Entry(1, 10, "c1")));
            log.append(List.of(new SentLog.Entry(2, 20, "c2")));
        }
        Files.write(state.resolve(SentLog.FILE), "3 30 c3".getBytes(StandardCharsets.UTF_8),
                java.nio.file.StandardOpenOption.APPEND); // cut before its newline
        try (SentLog log = SentLog.open(state)) {
            assertEquals(2, log.size());
            assertFalse(log.contains("c3"));
            log.append(List.of(new SentLog.Entry(4, 40, "c4")));
            log.compact(e -> !e.id().equals("c1"));
            log.append(List.of(new SentLog.Entry(5, 50, "c5")));
        }
        assertEquals(List.of("2 20 c2", "4 40 c4", "5 50 c5"), Files.readAllLines(state.resolve(SentLog.FILE)));
    }
}
