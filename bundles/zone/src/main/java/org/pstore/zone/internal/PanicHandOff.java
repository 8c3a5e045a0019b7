package org.pstore.zone.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;

/**
 * Who writes a kmsg zone while a panic may run without the engine's lock. The panic path (one panic
 * at a time: the single producer) claims a zone before writing it and, once written, marks it in a
 * bitmap of zones to take in; the normal path, under the lock, announces the zone it is about to
 * write and leaves alone a zone a panic has claimed or written, until it takes the panic's zones in.
 *
 * <p>Each side writes its own mark, then reads the other's (all volatile, so sequentially
 * consistent): at least one of them sees the other and gives way, so a stale image never lands on a
 * panic record. A zone stays claimed until its bit is set, so there is no moment in which neither
 * mark shows it. The panic side allocates nothing; the bitmap holds one bit a kmsg zone.
 */
public final class PanicHandOff {

    /** The zone the running panic writes, or -1. */
    private volatile int claimed = -1;
    /** The zone the normal path writes, or -1. */
    private volatile int writing = -1;
    /** Zones panics wrote that were not taken in yet, one bit each. */
    private final AtomicLongArray written;
    /** How many zones panics marked so far; the taker compares it with what it saw last. */
    private final AtomicInteger markCount = new AtomicInteger();
    private int takenCount;

    public PanicHandOff(int kmsgZones) {
        this.written = new AtomicLongArray((kmsgZones + 63) / 64);
    }

    // ---- the panic side, without the lock

    /** Claims a zone for the panic record; false when the normal path is writing it. */
    boolean claim(int index) {
        claimed = index;
        if (writing == index) {
            claimed = -1;
            return false;
        }
        return true;
    }

    /** The panic record is on the device: the zone waits to be taken in. */
    void written(int index) {
        int word = index >>> 6;
        long bit = 1L << index;
        long w;
        do {
            w = written.get(word);
        } while (!written.compareAndSet(word, w, w | bit));
        markCount.incrementAndGet();
        claimed = -1;
    }

    /** The panic wrote nothing there after all (the device skipped the zone or failed). */
    void release() {
        claimed = -1;
    }

    // ---- the normal side, under the lock

    /** Announces a write of this zone; false when a panic has claimed or written it: leave it alone. */
    boolean beginWrite(int index) {
        writing = index;
        if (claimed == index || (written.get(index >>> 6) & 1L << index) != 0) {
            writing = -1;
            return false;
        }
        return true;
    }

    void endWrite() {
        writing = -1;
    }

    /**
     * Hands every zone a panic wrote since the last call over to {@code takeIn}, once. A panic that
     * lands meanwhile is handed over now or by the next call, never lost.
     */
    void takeIn(IntConsumer takeIn) {
        int count = markCount.get();
        if (count == takenCount) {
            return;
        }
        takenCount = count;
        for (int word = 0; word < written.length(); word++) {
            long w = written.get(word) == 0 ? 0 : written.getAndSet(word, 0);
            while (w != 0) {
                int bit = Long.numberOfTrailingZeros(w);
                w &= w - 1;
                takeIn.accept(word * 64 + bit);
            }
        }
    }
}
