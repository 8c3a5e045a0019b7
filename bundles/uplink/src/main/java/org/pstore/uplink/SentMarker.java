package org.pstore.uplink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The thread that makes acknowledgements durable: it writes the marks of all crashes the broker
 * acknowledged meanwhile to the {@link SentLog} with one force (a group commit: the disk's flush,
 * not the broker, would otherwise set the pace), then reports the batch as marked or not.
 */
final class SentMarker {

    /** Hears of each batch once its marks are forced, or once writing them failed. */
    interface Marked {
        void marked(List<OutgoingCrash> batch, IOException failed);
    }

    private final SentLog log;
    private final Marked marked;
    private final BooleanSupplier finished;
    private final BlockingQueue<OutgoingCrash> acknowledged = new LinkedBlockingQueue<>();
    private final Thread thread;

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

    /** The broker's PUBACK for a crash: its mark is written with the next group. */
    void acknowledged(OutgoingCrash out) {
        acknowledged.add(out);
    }

    /** Waits until the marks of everything acknowledged so far are written. */
    void join() throws InterruptedException {
        thread.join(5000);
    }

    private void run() {
        while (true) {
            List<OutgoingCrash> batch = new ArrayList<>();
            try {
                OutgoingCrash first = acknowledged.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (finished.getAsBoolean()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                return;
            }
            acknowledged.drainTo(batch);
            List<SentLog.Entry> entries = batch.stream()
                    .map(out -> new SentLog.Entry(out.send.time(), out.payload.length, out.id)).toList();
            IOException failed = null;
            try {
                log.append(entries);
            } catch (IOException e) {
                failed = e;
            }
            marked.marked(batch, failed);
        }
    }
}
