package org.pstore.uplink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The thread that makes acknowledgements durable: it writes the marks of a group of crashes the
 * broker acknowledged to the {@link SentLog} with one force (a group commit), then reports the group
 * as marked or not. While more PUBACKs are awaited, a group gathers for up to {@link #GATHER_MILLIS}
 * (or {@link #GROUP} marks): a force costs about the same for one mark as for fifty, and it took
 * more CPU per crash than the publish itself when each force held only the two or three marks that
 * came during the previous one. The PUBACK awaited last is forced at once, so a batch counts as sent
 * as soon as its last crash is on disk. Gathering delays only the moment a crash counts as sent, not
 * the next publish (a PUBACK frees its place in the window at once). A group never holds more than
 * {@link #GROUP} marks: what came while a full group waited for the previous force goes in the
 * next one, forced at once (it has waited long enough).
 */
final class SentMarker {

    static final long GATHER_MILLIS = 10;
    static final int GROUP = 64;

    /** Hears of each group once its marks are forced, or once writing them failed. */
    interface Marked {
        void marked(List<OutgoingCrash> batch, IOException failed);
    }

    private final SentLog log;
    private final Marked marked;
    private final BooleanSupplier finished;
    private final Thread thread;
    private final List<OutgoingCrash> acknowledged = new ArrayList<>(); // guarded by this: not yet written
    private boolean complete;                                     // guarded by this: force without gathering more
    private boolean woken;                                        // guarded by this: ask finished without waiting

    /** {@code finished}: true once no acknowledgement can come any more and none waits to be marked. */
    SentMarker(SentLog log, String threadName, Marked marked, BooleanSupplier finished) {
        this.log = log;
        this.marked = marked;
        this.finished = finished;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * The broker's PUBACK for a crash: its mark is written with the next group. {@code lastAwaited}:
     * no other PUBACK is awaited now. Wakes the marker only to start a group or to end it, not for
     * every mark.
     */
    synchronized void acknowledged(OutgoingCrash out, boolean lastAwaited) {
        acknowledged.add(out);
        if (lastAwaited || acknowledged.size() >= GROUP) {
            complete = true;
            notifyAll();
        } else if (acknowledged.size() == 1) {
            notifyAll();
        }
    }

    /** Ends the marker's wait to ask {@code finished} again: the uplink closed its broker connection. */
    synchronized void wake() {
        woken = true;
        notifyAll();
    }

    /** Waits until the marks of everything acknowledged so far are written. */
    void join() throws InterruptedException {
        thread.join(5000);
    }

    private void run() {
        while (true) {
            List<OutgoingCrash> group;
            try {
                group = nextGroup();
            } catch (InterruptedException e) {
                return;
            }
            if (group.isEmpty()) {
                if (finished.getAsBoolean()) { // asked outside this monitor: it takes the uplink's lock
                    return;
                }
                continue;
            }
            List<SentLog.Entry> entries = group.stream()
                    .map(out -> new SentLog.Entry(out.send.time(), out.payload.length, out.id)).toList();
            IOException failed = null;
            try {
                log.append(entries);
            } catch (IOException e) {
                failed = e;
            }
            marked.marked(group, failed);
        }
    }

    /** The next group to force, empty after a while without acknowledgements or when woken. */
    private synchronized List<OutgoingCrash> nextGroup() throws InterruptedException {
        if (acknowledged.isEmpty() && !woken) {
            wait(100); // timed: finished may also turn true while no acknowledgement comes
        }
        woken = false;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GATHER_MILLIS);
        long left;
        while (!acknowledged.isEmpty() && !complete && (left = end - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        List<OutgoingCrash> taken = acknowledged.subList(0, Math.min(GROUP, acknowledged.size()));
        List<OutgoingCrash> group = List.copyOf(taken);
        taken.clear();
        complete = !acknowledged.isEmpty();
        return group;
    }
}
