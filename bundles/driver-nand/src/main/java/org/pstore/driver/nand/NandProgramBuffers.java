package org.pstore.driver.nand;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a page program goes through: the page's data, the page and its OOB as written, and the
 * byte of the programmed-page bitmap. The panic path's are prepared at open, so that its program
 * allocates nothing.
 */
record NandProgramBuffers(byte[] data, ByteBuffer page, ByteBuffer oob, ByteBuffer bitmapByte) {

    static NandProgramBuffers heap(NandImageFormat format) {
        return new NandProgramBuffers(new byte[format.pageSize()], ByteBuffer.allocate(format.pageSize()),
                ByteBuffer.allocate(format.oobSize()).order(ByteOrder.LITTLE_ENDIAN), ByteBuffer.allocate(1));
    }

    static NandProgramBuffers direct(NandImageFormat format) {
        return new NandProgramBuffers(new byte[format.pageSize()], ByteBuffer.allocateDirect(format.pageSize()),
                ByteBuffer.allocateDirect(format.oobSize()).order(ByteOrder.LITTLE_ENDIAN), ByteBuffer.allocateDirect(1));
    }
}
