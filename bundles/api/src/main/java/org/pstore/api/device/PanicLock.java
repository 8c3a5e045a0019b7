package org.pstore.api.device;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The panic path's wait for a driver's lock: bounded, and without allocating (a timed
 * {@code tryLock} queues a node when it has to wait; this polls instead).
 */
public final class PanicLock {

    /** How long a panic waits for a command in progress before it writes regardless. */
    public static final long WAIT_MS = 50;

    private PanicLock() {
    }

    /** Takes {@code lock} if it comes free within {@link #WAIT_MS}; false when it did not. */
    public static boolean lockBriefly(ReentrantLock lock) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!lock.tryLock()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        return true;
    }
}
