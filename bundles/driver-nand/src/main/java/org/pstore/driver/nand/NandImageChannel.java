package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Whole positional reads and writes of the chip's image file; allocates nothing. */
record NandImageChannel(Path path, FileChannel file) {

    void write(ByteBuffer src, long at) throws IOException {
        long pos = at;
        while (src.hasRemaining()) {
            pos += file.write(src, pos);
        }
    }

    void read(long at, ByteBuffer dst) throws IOException {
        long pos = at;
        while (dst.hasRemaining()) {
            int n = file.read(dst, pos);
            if (n < 0) {
                throw new IOException(path + ": end of image at " + pos);
            }
            pos += n;
        }
    }

    /** Flips one bit of the byte at {@code at}, as charge leaking from a cell does. */
    void flipBit(long at, int bit) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        read(at, b);
        b.put(0, (byte) (b.get(0) ^ (1 << (bit % 8))));
        file.write(b.clear(), at);
    }
}
