package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;

import org.pstore.api.PstoreException;

/**
 * The chip image file's format and the chip's geometry it records.
 *
 * <pre>
 * image file:  struct nand_image_header (one 4096-byte block: magic "PSTNAND1", u32 page size,
 *              u32 oob size, u32 pages per block, u32 blocks, little-endian)
 *              then every page as data + oob, block after block
 *              then per block: u32 erase count; then a bitmap of programmed pages
 * oob:         byte 0: bad-block marker (0xff good); bytes 2..: 4 bytes of ECC per 512-byte step
 * </pre>
 */
record NandImageFormat(int pageSize, int oobSize, int pagesPerBlock, int blocks) {

    static final int HEADER = 4096;
    /** Where the OOB's ECC codes begin. */
    static final int OOB_ECC = 2;
    private static final int HEADER_FIELDS = 24;
    private static final byte[] MAGIC = {'P', 'S', 'T', 'N', 'A', 'N', 'D', '1'};

    private static boolean validPageSize(int pageSize) {
        return pageSize == 2048 || pageSize == 4096 || pageSize == 8192;
    }

    /** Creates an erased chip image; {@code factoryBad} blocks carry the bad-block marker. */
    static void create(Path path, int pageSize, int oobSize, int pagesPerBlock, int blocks, Set<Integer> factoryBad)
            throws PstoreException {
        if (!validPageSize(pageSize)) {
            throw new PstoreException("NAND page size is 2048, 4096 or 8192, not " + pageSize);
        }
        int steps = pageSize / NandChip.ECC_STEP;
        if (oobSize < OOB_ECC + 4 * steps || oobSize > pageSize) {
            throw new PstoreException("an OOB of " + oobSize + " bytes has no room for the bad-block marker and "
                    + steps + " ECC codes (at least " + (OOB_ECC + 4 * steps) + ")");
        }
        if (pagesPerBlock < 1 || blocks < 2) {
            throw new PstoreException("a NAND chip needs pages in its blocks and at least two blocks, got "
                    + pagesPerBlock + " pages x " + blocks + " blocks");
        }
        for (int b : factoryBad) {
            if (b < 0 || b >= blocks) {
                throw new PstoreException("factory bad block " + b + " is not one of the " + blocks + " blocks");
            }
        }
        if (Files.exists(path)) {
            throw new PstoreException(path + " exists: formatting would destroy it");
        }
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putInt(pageSize).putInt(oobSize).putInt(pagesPerBlock).putInt(blocks).clear();
            c.write(h, 0);
            ByteBuffer block = ByteBuffer.allocate(pagesPerBlock * (pageSize + oobSize));
            Arrays.fill(block.array(), (byte) 0xff);
            for (int b = 0; b < blocks; b++) {
                block.clear();
                block.put(pageSize, (byte) (factoryBad.contains(b) ? 0x00 : 0xff));
                c.write(block, HEADER + (long) b * block.capacity());
            }
            long meta = HEADER + (long) blocks * block.capacity();
            c.write(ByteBuffer.allocate(blocks * 4 + (blocks * pagesPerBlock + 7) / 8), meta);
            c.force(true);
        } catch (IOException e) {
            throw new PstoreException("cannot format " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads and validates the header of the image {@code path} open as {@code c}. */
    static NandImageFormat read(Path path, FileChannel c) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_FIELDS).order(ByteOrder.LITTLE_ENDIAN);
        c.read(h, 0);
        byte[] magic = new byte[MAGIC.length];
        h.flip();
        if (h.remaining() < HEADER_FIELDS) {
            throw new PstoreException(path + " is not a NAND image (too short)");
        }
        h.get(magic);
        int pageSize = h.getInt();
        int oobSize = h.getInt();
        int ppb = h.getInt();
        int blocks = h.getInt();
        if (!Arrays.equals(magic, MAGIC)) {
            throw new PstoreException(path + " is not a NAND image (no PSTNAND1 header)");
        }
        long pages = (long) ppb * blocks;
        long meta = HEADER + pages * (pageSize + (long) oobSize);
        if (!validPageSize(pageSize) || oobSize <= 0 || oobSize > pageSize || ppb <= 0 || blocks < 2
                || pages > Integer.MAX_VALUE || c.size() < meta + blocks * 4L + (pages + 7) / 8) {
            throw new PstoreException(path + ": the NAND image header (" + pageSize + "+" + oobSize + " bytes x "
                    + ppb + " pages x " + blocks + " blocks) does not match the file of " + c.size() + " bytes");
        }
        return new NandImageFormat(pageSize, oobSize, ppb, blocks);
    }

    int pages() {
        return pagesPerBlock * blocks;
    }

    /** Where the page's data begins; its OOB follows it. */
    long pageOffset(int block, int page) {
        return HEADER + ((long) block * pagesPerBlock + page) * (pageSize + oobSize);
    }

    /** Where the erase counts begin; the bitmap of programmed pages follows them. */
    long metadataOffset() {
        return pageOffset(0, 0) + (long) pages() * (pageSize + oobSize);
    }

    /** The erase counts and the bitmap. */
    int metadataBytes() {
        return blocks * 4 + (pages() + 7) / 8;
    }

    /** Where the bitmap byte holding the page's bit is. */
    long bitmapByteOffset(int block, int page) {
        return metadataOffset() + blocks * 4L + (block * pagesPerBlock + page) / 8;
    }
}
