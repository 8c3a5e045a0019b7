package org.pstore.driver.nand;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chip's simulated device time: each read, program and erase adds its {@link NandTiming}
 * figure, counted and never slept, and programs and erases are counted as steps. Lock-free, as
 * the panic path may program without the chip's lock; counting allocates nothing.
 */
final class NandCommandClock {

    private volatile NandTiming timing;
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile long steps;

    NandCommandClock(NandTiming timing) {
        this.timing = timing;
    }

    void setTiming(NandTiming timing) {
        this.timing = Objects.requireNonNull(timing);
    }

    NandTiming timing() {
        return timing;
    }

    long busyNanos() {
        return busyNanos.get();
    }

    long steps() {
        return steps;
    }

    void read() {
        busyNanos.addAndGet(timing.readNanos());
    }

    /** A program without a step: the bad-block marker's. */
    void programMarker() {
        busyNanos.addAndGet(timing.programNanos());
    }

    void program() {
        steps++;
        busyNanos.addAndGet(timing.programNanos());
    }

    void erase() {
        steps++;
        busyNanos.addAndGet(timing.eraseNanos());
    }
}
