package org.pstore.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** The physical baseline every benchmark measures itself against: a positional write, then force. */
final class Baseline {

    private Baseline() {
    }

    /** Writes all of {@code src} at {@code position} and forces it to the medium; returns the bytes. */
    static int write(FileChannel channel, ByteBuffer src, long position) throws IOException {
        int n = 0;
        while (src.hasRemaining()) {
            n += channel.write(src, position + n);
        }
        channel.force(false);
        return n;
    }
}
