package org.pstore.driver.mmc;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The card's simulated device time: each command adds its {@link MmcTiming} latency and sector
 * transfers, counted and never slept. Lock-free, as the panic path may run without the card's
 * lock; counting allocates nothing.
 */
final class MmcCommandClock {

    private volatile MmcTiming timing = MmcTiming.SD_HIGH_SPEED;
    private final AtomicLong busyNanos = new AtomicLong();
    /** Write-type commands still to take the worst-case latency. */
    private final AtomicLong stalls = new AtomicLong();

    void setTiming(MmcTiming timing) {
        this.timing = Objects.requireNonNull(timing);
    }

    MmcTiming timing() {
        return timing;
    }

    long busyNanos() {
        return busyNanos.get();
    }

    void stallNextWrites(long n) {
        stalls.set(n);
    }

    /** Counts a read command of {@code sectors} sectors. */
    void spendRead(long sectors) {
        busyNanos.addAndGet(timing.read(sectors));
    }

    /** Counts a write-type command moving {@code sectors} sectors. */
    void spendWrite(long sectors) {
        MmcTiming t = timing;
        boolean stalled = stalls.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
        busyNanos.addAndGet(t.write(sectors) + (stalled ? t.worstCaseNanos() - t.writeNanos() : 0));
    }
}
