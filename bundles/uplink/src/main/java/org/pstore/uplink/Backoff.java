package org.pstore.uplink;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter between connection attempts: the n-th consecutive failure waits
 * a random time between half and all of min * 2^n, capped at max, so that a fleet whose broker
 * comes back does not reconnect in one wave.
 */
public final class Backoff {

    private final long minMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration min, Duration max, RandomGenerator random) {
        this.minMillis = Math.max(1, min.toMillis());
        this.maxMillis = Math.max(minMillis, max.toMillis());
        this.random = random;
    }

    /** The wait after one more failure. */
    public long nextMillis() {
        long ceiling = minMillis << Math.min(failures, 30);
        ceiling = ceiling <= 0 || ceiling > maxMillis ? maxMillis : ceiling;
        failures++;
        return ceiling / 2 + random.nextLong(ceiling - ceiling / 2 + 1);
    }

    /** A connection succeeded: the next failure starts from min again. */
    public void reset() {
        failures = 0;
    }
}
