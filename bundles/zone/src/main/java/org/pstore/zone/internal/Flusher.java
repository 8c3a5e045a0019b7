package org.pstore.zone.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Retries dirty zones in the background with a growing delay: first after {@link #FIRST_DELAY_MS}
 * (as Linux), then doubling up to {@link #MAX_DELAY_MS}. The thread exists only while something is
 * dirty. A flush that throws counts as not clean: it is reported and retried like a failed write.
 */
public final class Flusher {

    static final long FIRST_DELAY_MS = 500;
    static final long MAX_DELAY_MS = 8_000;

    private final BooleanSupplier flush;
    private final Consumer<RuntimeException> report;
    private final String name;
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> next;
    private long delay = FIRST_DELAY_MS;

    /**
     * @param flush  writes what is dirty; answers true when nothing is left
     * @param report told of an exception a flush threw
     */
    public Flusher(String name, BooleanSupplier flush, Consumer<RuntimeException> report) {
        this.name = name;
        this.flush = flush;
        this.report = report;
    }

    /** Makes sure a retry is coming. */
    public synchronized void schedule() {
        if (next != null && !next.isDone()) {
            return;
        }
        if (executor == null) {
            executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pstore-flush " + name);
                t.setDaemon(true);
                return t;
            });
        }
        next = executor.schedule(this::run, delay, TimeUnit.MILLISECONDS);
    }

    private void run() {
        boolean clean;
        try {
            clean = flush.getAsBoolean();
        } catch (RuntimeException e) {
            report.accept(e);
            clean = false;
        }
        synchronized (this) {
            next = null;
            if (clean) {
                delay = FIRST_DELAY_MS;
                if (executor != null) {
                    executor.shutdown();
                    executor = null;
                }
            } else {
                delay = Math.min(MAX_DELAY_MS, delay * 2);
                if (executor != null) {
                    next = executor.schedule(this::run, delay, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        next = null;
    }
}
