package org.pstore.frontend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.WriteStatus;

/**
 * The kmsg dumper without OSGi: the recent log, and dumps of its newest part that fits, each
 * beginning {@code <Reason>#<n> Part1}. A panic's dump is built in a buffer prepared when enabled;
 * {@link KmsgDumperComponent} wires it to the log and the framework's events.
 */
final class KmsgDumps {

    private static final byte[] PART1 = " Part1\n".getBytes(StandardCharsets.US_ASCII);

    private final LogTail tail;
    private final boolean compress;
    private final AtomicInteger dumps = new AtomicInteger();
    /** One panic dump at a time, whichever buffer the latest enable() prepared. */
    private final Object panicLock = new Object();

    private volatile Pstore pstore;
    /** Prepared when enabled: the panic path only copies into it. */
    private volatile ByteBuffer panicText;

    KmsgDumps(int logBytes, boolean compress) {
        this.tail = new LogTail(logBytes);
        this.compress = compress;
    }

    /** Keeps a kmsg line (or several) in the recent log. */
    void add(byte[] lines) {
        tail.add(lines);
    }

    /** Keeps {@code text} at {@code level} (a syslog priority), stamped now. */
    void log(int level, String text) {
        tail.add(KmsgLine.format(level, System.currentTimeMillis(), text));
    }

    void enable(Pstore target) {
        panicText = ByteBuffer.allocate(target.dumpCapacity(compress));
        pstore = target;
    }

    void disable() {
        pstore = null;
    }

    boolean enabled() {
        return pstore != null;
    }

    /** Dumps the recent log as a record of this reason. */
    WriteStatus dump(DumpReason reason) throws PstoreException {
        Pstore target = requirePstore();
        ByteBuffer text = ByteBuffer.allocate(target.dumpCapacity(compress));
        putHeader(text, reason, dumps.incrementAndGet());
        tail.copyTail(text);
        byte[] bytes = new byte[text.flip().remaining()];
        text.get(bytes);
        return target.dump(reason, bytes, compress);
    }

    /** Dumps the recent log as a Panic record through the panic path, allocating nothing. */
    WriteStatus panicDump() throws PstoreException {
        Pstore target = requirePstore();
        synchronized (panicLock) {
            ByteBuffer text = panicText;
            text.clear();
            putHeader(text, DumpReason.PANIC, dumps.incrementAndGet());
            tail.copyTail(text);
            text.flip();
            return target.panicDump(DumpReason.PANIC, text, compress);
        }
    }

    private Pstore requirePstore() throws PstoreException {
        Pstore target = pstore;
        if (target == null) {
            throw new PstoreException("the active pstore backend has no kmsg zones (or there is none)");
        }
        return target;
    }

    /** Linux's first line of a dump, {@code <Reason>#<n> Part1}, written without allocating. */
    static void putHeader(ByteBuffer text, DumpReason reason, int n) {
        String label = reason.label();
        for (int i = 0; i < label.length(); i++) {
            text.put((byte) label.charAt(i));
        }
        text.put((byte) '#');
        int digits = 1;
        for (int v = n; v >= 10; v /= 10) {
            digits *= 10;
        }
        for (int v = n; digits > 0; digits /= 10) {
            text.put((byte) ('0' + v / digits % 10));
        }
        for (byte b : PART1) {
            text.put(b);
        }
    }
}
