package org.pstore.driver.mmc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.pstore.api.PstoreException;

/**
 * The card image file's format: a header sector that describes the card, then the card's sectors.
 *
 * <pre>
 * struct mmc_image_header {   // little-endian
 *     u8  magic[8];            //  0: "PSTMMC01"
 *     u64 sectors;             //  8: card capacity in sectors
 *     u64 part_first;          // 16: first sector of the pstore partition
 *     u64 part_sectors;        // 24: sectors of the pstore partition
 *     u8  erased;              // 32: what erase leaves in every byte
 * };
 * </pre>
 */
record MmcImageFormat(long sectors, long partitionFirst, long partitionSectors, byte erased) {

    /** Bytes before sector 0 of the card: the header's sector. */
    static final int SIZE = MmcCard.SECTOR;
    /** The bytes of the header's fields, the rest of its sector being zeros. */
    private static final int FIELDS = 33;
    private static final byte[] MAGIC = {'P', 'S', 'T', 'M', 'M', 'C', '0', '1'};

    /**
     * Creates a card image: the header, then {@code cardBytes} of sectors erased to {@code erased},
     * with the pstore partition of {@code partitionBytes} at {@code partitionOffset}. All three
     * are whole sectors.
     */
    static void create(Path path, long cardBytes, long partitionOffset, long partitionBytes, byte erased)
            throws PstoreException {
        for (long v : new long[] {cardBytes, partitionOffset, partitionBytes}) {
            if (v < 0 || v % MmcCard.SECTOR != 0) {
                throw new PstoreException("MMC sizes and offsets are whole 512-byte sectors, got " + v);
            }
        }
        if (cardBytes == 0 || partitionBytes == 0 || partitionOffset + partitionBytes > cardBytes) {
            throw new PstoreException("the partition of " + partitionBytes + " bytes at " + partitionOffset
                    + " does not fit a card of " + cardBytes + " bytes");
        }
        if (erased != 0 && erased != (byte) 0xff) {
            throw new PstoreException("an erased MMC reads 0x00 or 0xff, not 0x" + Integer.toHexString(erased & 0xff));
        }
        if (Files.exists(path)) {
            throw new PstoreException(path + " exists: formatting would destroy it");
        }
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            new MmcImageFormat(cardBytes / MmcCard.SECTOR, partitionOffset / MmcCard.SECTOR,
                    partitionBytes / MmcCard.SECTOR, erased).write(c);
            if (erased == 0) {
                c.write(ByteBuffer.allocate(1), SIZE + cardBytes - 1); // sparse zeros
            } else {
                ByteBuffer ones = ByteBuffer.allocate(1 << 16);
                while (ones.hasRemaining()) {
                    ones.put(erased);
                }
                for (long at = 0; at < cardBytes; at += ones.capacity()) {
                    ones.clear().limit((int) Math.min(ones.capacity(), cardBytes - at));
                    c.write(ones, SIZE + at);
                }
            }
            c.force(true);
        } catch (IOException e) {
            throw new PstoreException("cannot format " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes the header's sector at the start of {@code c}. */
    private void write(FileChannel c) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MAGIC).putLong(sectors).putLong(partitionFirst).putLong(partitionSectors).put(erased).clear();
        c.write(h, 0);
    }

    /** Reads and validates the header of the image {@code path} open as {@code c}. */
    static MmcImageFormat read(Path path, FileChannel c) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining() && c.read(h, h.position()) > 0) {
            // the whole header
        }
        h.flip();
        if (h.remaining() < FIELDS) {
            throw new PstoreException(path + " is not an MMC image: its " + c.size()
                    + " bytes are shorter than the image header");
        }
        byte[] magic = new byte[MAGIC.length];
        h.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new PstoreException(path + " is not an MMC image (no PSTMMC01 header)");
        }
        long sectors = h.getLong();
        long first = h.getLong();
        long count = h.getLong();
        byte erased = h.get();
        if (sectors <= 0 || sectors > Long.MAX_VALUE / MmcCard.SECTOR - 1 || first < 0 || count <= 0
                || first > sectors - count || c.size() < SIZE + sectors * MmcCard.SECTOR) {
            throw new PstoreException(path + ": the MMC image header describes " + sectors + " sectors, a partition of "
                    + count + " at " + first + ", but the file has " + c.size() + " bytes");
        }
        return new MmcImageFormat(sectors, first, count, erased);
    }
}
