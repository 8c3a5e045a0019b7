package org.pstore.registration;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.zone.ZoneEngine;

/**
 * The writes kept in memory across a swap: those that arrive while no backend is active, and those
 * the active engine has only kept in memory (PENDING) until it flushes them. Both are replayed on
 * the next backend.
 *
 * <p>Guarded by the registry's lock.
 */
final class WriteBuffer {

    /** Writes kept while no backend is active: older dumps and ring bytes would be overwritten anyway. */
    static final int MAX_BUFFERED_DUMPS = 256;
    static final int MAX_BUFFERED_RING_BYTES = 1 << 20;

    private final Deque<BufferedWrite> buffered = new ArrayDeque<>();
    private final List<BufferedWrite> unconfirmed = new ArrayList<>();

    /** Writes {@code w} on {@code engine}, or keeps it while there is none. */
    WriteStatus write(BufferedWrite w, ZoneEngine engine) throws PstoreException {
        if (engine == null) {
            buffer(w.kept());
            return WriteStatus.PENDING;
        }
        WriteStatus status = w.applyTo(engine);
        if (status == WriteStatus.PENDING) {
            unconfirmed.add(w.kept());
        } else if (!unconfirmed.isEmpty() && engine.dirtyZoneCount() == 0) {
            unconfirmed.clear();
        }
        return status;
    }

    private void buffer(BufferedWrite w) {
        buffered.addLast(w);
        int dumps = 0;
        long ringBytes = 0;
        for (Iterator<BufferedWrite> it = buffered.descendingIterator(); it.hasNext(); ) {
            BufferedWrite b = it.next();
            boolean dump = b.type() == RecordType.DMESG;
            if (dump ? ++dumps > MAX_BUFFERED_DUMPS : (ringBytes += b.bytes().length) > MAX_BUFFERED_RING_BYTES) {
                it.remove(); // a backend would have overwritten it by now
            }
        }
    }

    /** Writes the kept writes, oldest first, on the backend {@code name} that became active. */
    void replay(ZoneEngine target, String name, Consumer<String> problem) {
        while (!buffered.isEmpty()) {
            BufferedWrite w = buffered.peekFirst();
            try {
                if (w.applyTo(target) == WriteStatus.PENDING) {
                    unconfirmed.add(w);
                }
            } catch (PstoreException e) {
                problem.accept("a buffered " + w.type().label() + " write could not be replayed on " + name + ": "
                        + e.getMessage());
            }
            buffered.removeFirst();
        }
    }

    /** The engine closed and flushed: what it kept in memory is durable. */
    void flushed() {
        unconfirmed.clear();
    }

    /** The engine closed without flushing: what it kept in memory waits for the next backend; returns how much. */
    int notFlushed() {
        int kept = unconfirmed.size();
        unconfirmed.forEach(buffered::addLast);
        unconfirmed.clear();
        return kept;
    }

    /** The writes waiting for a backend. */
    int size() {
        return buffered.size();
    }
}
