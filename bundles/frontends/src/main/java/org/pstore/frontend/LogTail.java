package org.pstore.frontend;

import java.nio.ByteBuffer;

/**
 * The recent log, as kmsg lines in a circular byte buffer of fixed size: old lines fall off the
 * front. Copying the newest lines out allocates nothing, for the panic path.
 */
final class LogTail {

    private final byte[] ring;
    private long written;

    LogTail(int capacity) {
        this.ring = new byte[capacity];
    }

    synchronized void add(byte[] line) {
        int from = Math.max(0, line.length - ring.length);
        for (int i = from; i < line.length; i++) {
            ring[(int) (written++ % ring.length)] = line[i];
        }
    }

    /** Copies the newest whole lines that fit into {@code dst}, oldest first. */
    synchronized void copyTail(ByteBuffer dst) {
        // one byte less than the ring, so that the byte before the first one copied is still there
        long available = Math.min(written, ring.length - 1);
        long count = Math.min(available, dst.remaining());
        long start = written - count;
        if (start > 0) {
            // the cut may fall inside a line: start after its end
            while (count > 0 && ring[(int) ((start - 1) % ring.length)] != '\n') {
                start++;
                count--;
            }
        }
        for (long i = start; i < written; i++) {
            dst.put(ring[(int) (i % ring.length)]);
        }
    }
}
