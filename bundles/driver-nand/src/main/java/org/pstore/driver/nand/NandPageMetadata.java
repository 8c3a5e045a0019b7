package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.BitSet;

/**
 * What the chip knows of its blocks beyond their bytes, kept at the end of the image: each
 * block's erase count, and which pages were programmed since their block's last erase. Guarded
 * by the chip's lock (or used by the panic path that could not get it).
 */
final class NandPageMetadata {

    private final NandImageFormat format;
    private final int[] eraseCounts;
    private final BitSet programmed;

    private NandPageMetadata(NandImageFormat format, int[] eraseCounts, BitSet programmed) {
        this.format = format;
        this.eraseCounts = eraseCounts;
        this.programmed = programmed;
    }

    static NandPageMetadata read(NandImageFormat format, FileChannel c) throws IOException {
        ByteBuffer m = ByteBuffer.allocate(format.metadataBytes()).order(ByteOrder.LITTLE_ENDIAN);
        while (m.hasRemaining() && c.read(m, format.metadataOffset() + m.position()) > 0) {
            // the whole metadata
        }
        m.flip();
        int[] counts = new int[format.blocks()];
        for (int b = 0; b < counts.length; b++) {
            counts[b] = m.getInt();
        }
        byte[] bits = new byte[m.remaining()];
        m.get(bits);
        // sized for every page up front, so that marking one programmed never grows it
        BitSet programmed = new BitSet(format.pages());
        programmed.or(BitSet.valueOf(bits));
        return new NandPageMetadata(format, counts, programmed);
    }

    int eraseCount(int block) {
        return eraseCounts[block];
    }

    boolean isProgrammed(int block, int page) {
        return programmed.get(block * format.pagesPerBlock() + page);
    }

    /**
     * Sets the page's bit, and returns in {@code oneByte} the byte of the image's bitmap that holds
     * it, to be written at {@link NandImageFormat#bitmapByteOffset}; allocates nothing.
     */
    ByteBuffer markProgrammed(int block, int page, ByteBuffer oneByte) {
        int index = block * format.pagesPerBlock() + page;
        programmed.set(index);
        int first = index / 8 * 8;
        int bits = 0;
        for (int i = 0; i < 8; i++) {
            bits |= programmed.get(first + i) ? 1 << i : 0;
        }
        oneByte.clear();
        return oneByte.put((byte) bits).flip();
    }

    /** The page was erased. */
    void erased(int block, int page) {
        programmed.clear(block * format.pagesPerBlock() + page);
    }

    /** The block's erase is done (or was cut short by a power cut after some of its pages). */
    void countErase(int block) {
        eraseCounts[block]++;
    }

    /** Writes the erase counts and the bitmap to the image. */
    void write(FileChannel file) throws IOException {
        ByteBuffer m = ByteBuffer.allocate(format.metadataBytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int count : eraseCounts) {
            m.putInt(count);
        }
        m.put(Arrays.copyOf(programmed.toByteArray(), m.remaining()));
        file.write(m.clear(), format.metadataOffset());
    }
}
