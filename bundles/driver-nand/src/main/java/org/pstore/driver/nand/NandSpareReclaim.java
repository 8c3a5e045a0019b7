package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.zip.CRC32C;

import org.pstore.api.PstoreException;

/**
 * The reclaim of a block whose removed zones are to be freed while it still holds records in use,
 * safe at every step against a power cut: the pages in use are copied to the spare block and
 * committed by a marker in its last page, the block is erased, the pages are programmed back and
 * the spare erased. At open, {@link #recover} completes a committed reclaim and erases a copy that
 * was never committed. Guarded by the device's lock; never used by the panic path.
 */
final class NandSpareReclaim {

    /**
     * The marker that commits a reclaim's copies, programmed into the spare's last page once they
     * are all there (pages of the spare are programmed in order, so a marker is never ahead of
     * its copies). Little-endian:
     * <pre>
     * struct nand_reclaim_marker {
     *     u8  magic[8];      "PSTRCLM1"
     *     u32 block;         the block being reclaimed
     *     u32 pages_per_block;
     *     u32 copies_crc;    CRC32C of the copied pages, in page order
     *     u8  pages[(pages_per_block + 7) / 8];  the block's pages copied: the n-th set bit is
     *                        in the spare's page n
     *     u32 marker_crc;    CRC32C of the bytes above
     * };
     * </pre>
     */
    private static final byte[] MARKER_MAGIC = {'P', 'S', 'T', 'R', 'C', 'L', 'M', '1'};
    /** The marker's bytes before its bitmap. */
    private static final int MARKER_HEAD = 20;

    /** A reclaim of {@code block} that keeps {@code pages} (the programmed pages of its zones in use). */
    private record Reclaim(int block, BitSet pages) {
    }

    private final NandChip chip;
    private final NandZoneMap map;
    private final int pagesPerZone;
    private final ByteBuffer page;
    /** A committed reclaim a read-only chip could not complete: its block's kept pages are read from the spare. */
    private Reclaim pending;

    NandSpareReclaim(NandChip chip, NandZoneMap map, int pagesPerZone) {
        this.chip = chip;
        this.map = map;
        this.pagesPerZone = pagesPerZone;
        this.page = ByteBuffer.allocate(chip.pageSize());
    }

    /** Whether a marker listing a block's pages fits in a page. */
    static boolean markerFits(int pagesPerBlock, int pageSize) {
        return MARKER_HEAD + (pagesPerBlock + 7) / 8 + 4 <= pageSize;
    }

    /** While a reclaim is pending for the page's block: its copy's page in the spare, or -1 if not kept. */
    int pendingCopy(int pageInBlock) {
        return pending.pages().get(pageInBlock) ? pending.pages().get(0, pageInBlock).cardinality() : -1;
    }

    /** Whether a reclaim is pending for the block: a read-only chip shows its kept pages from their copy. */
    boolean pendingFor(int block) {
        return pending != null && block == pending.block();
    }

    /**
     * Frees the removed zones of a block that still holds records in use, without a moment in
     * which a power cut loses them: its programmed pages in use are copied to the spare and
     * committed there, then the block is erased and they are programmed back at their own offsets.
     * Returns false when nothing was freed (the block or the spare went bad).
     */
    boolean reclaimRemoved(int block) throws IOException {
        BitSet pages = new BitSet(chip.pagesPerBlock());
        for (int z = 0; z < map.zonesPerBlock(); z++) {
            if (map.used(block * map.zonesPerBlock() + z)) {
                for (int p = z * pagesPerZone; p < (z + 1) * pagesPerZone; p++) {
                    if (chip.isProgrammed(block, p)) {
                        pages.set(p);
                    }
                }
            }
        }
        if (pages.isEmpty() || map.spare() < 0) {
            return map.eraseBlock(block); // nothing to keep, or nowhere to keep it: the records give way
        }
        Reclaim reclaim = new Reclaim(block, pages);
        try {
            copyToSpare(reclaim);
        } catch (PstoreException refused) {
            throw refused;
        } catch (IOException e) {
            if (chip.powerLost()) {
                throw e;
            }
            retireSpare(); // the block is untouched; the caller frees another
            return false;
        }
        return complete(reclaim);
    }

    /** Programs the reclaim's pages into the spare, in order, then the marker that commits them. */
    private void copyToSpare(Reclaim reclaim) throws IOException {
        CRC32C crc = new CRC32C();
        int n = 0;
        for (int p = reclaim.pages().nextSetBit(0); p >= 0; p = reclaim.pages().nextSetBit(p + 1)) {
            page.clear();
            chip.readPage(reclaim.block(), p, page); // what ECC cannot correct, the record's own checksum reports
            crc.update(page.array());
            chip.programPage(map.spare(), n++, page.clear());
        }
        ByteBuffer marker = ByteBuffer.allocate(chip.pageSize()).order(ByteOrder.LITTLE_ENDIAN);
        marker.put(MARKER_MAGIC).putInt(reclaim.block()).putInt(chip.pagesPerBlock()).putInt((int) crc.getValue())
                .put(Arrays.copyOf(reclaim.pages().toByteArray(), (chip.pagesPerBlock() + 7) / 8));
        CRC32C markerCrc = new CRC32C();
        markerCrc.update(marker.array(), 0, marker.position());
        marker.putInt((int) markerCrc.getValue());
        chip.programPage(map.spare(), chip.pagesPerBlock() - 1, marker.clear());
    }

    /**
     * The reclaim the spare holds, if its marker is whole and its copies match it; null for a
     * copy never committed, or one whose spare was being erased (its block is whole again).
     */
    private Reclaim committedReclaim() throws IOException {
        int last = chip.pagesPerBlock() - 1;
        page.clear();
        if (!chip.isProgrammed(map.spare(), last) || chip.readPage(map.spare(), last, page).uncorrectable() > 0) {
            return null;
        }
        ByteBuffer marker = ByteBuffer.wrap(page.array()).order(ByteOrder.LITTLE_ENDIAN);
        int bitmap = (chip.pagesPerBlock() + 7) / 8;
        CRC32C markerCrc = new CRC32C();
        markerCrc.update(marker.array(), 0, MARKER_HEAD + bitmap);
        byte[] magic = new byte[MARKER_MAGIC.length];
        marker.get(magic);
        int block = marker.getInt();
        int pagesPerBlock = marker.getInt();
        int copiesCrc = marker.getInt();
        BitSet pages = BitSet.valueOf(marker.slice(MARKER_HEAD, bitmap));
        if (!Arrays.equals(magic, MARKER_MAGIC) || marker.getInt(MARKER_HEAD + bitmap) != (int) markerCrc.getValue()
                || pagesPerBlock != chip.pagesPerBlock() || block < 0 || block >= chip.blocks() || !map.usable(block)
                || pages.isEmpty() || pages.length() > chip.pagesPerBlock() || pages.cardinality() > last) {
            return null;
        }
        CRC32C crc = new CRC32C();
        for (int n = 0; n < pages.cardinality(); n++) {
            page.clear();
            if (!chip.isProgrammed(map.spare(), n) || chip.readPage(map.spare(), n, page).uncorrectable() > 0) {
                return null;
            }
            crc.update(page.array());
        }
        return copiesCrc == (int) crc.getValue() ? new Reclaim(block, pages) : null;
    }

    /** At open: completes a committed reclaim, or erases a copy that was never committed. */
    void recover() throws IOException {
        boolean blank = true;
        for (int p = 0; p < chip.pagesPerBlock(); p++) {
            blank &= !chip.isProgrammed(map.spare(), p);
        }
        if (blank) {
            return;
        }
        Reclaim reclaim = committedReclaim();
        try {
            if (reclaim == null) {
                eraseSpare();
            } else {
                complete(reclaim);
            }
        } catch (PstoreException readOnly) {
            pending = reclaim; // a read-only chip takes no erase: the kept pages are shown from their copy
        }
    }

    /**
     * The steps after the commit, each safe to repeat: erases the block, programs its kept pages
     * back from the spare, erases the spare. Returns false when the block went bad.
     */
    private boolean complete(Reclaim reclaim) throws IOException {
        boolean kept = map.eraseBlock(reclaim.block());
        try {
            int n = 0;
            for (int p = reclaim.pages().nextSetBit(0); kept && p >= 0; p = reclaim.pages().nextSetBit(p + 1)) {
                page.clear();
                chip.readPage(map.spare(), n++, page);
                chip.programPage(reclaim.block(), p, page.clear());
                map.use(reclaim.block() * map.zonesPerBlock() + p / pagesPerZone);
            }
        } catch (PstoreException refused) {
            throw refused;
        } catch (IOException e) {
            if (chip.powerLost()) {
                throw e;
            }
            map.markBad(reclaim.block()); // its records are lost with it
            kept = false;
        }
        eraseSpare();
        return kept;
    }

    /** Erases the spare; one that fails is marked bad, and the last good block becomes the spare. */
    private void eraseSpare() throws IOException {
        while (map.spare() >= 0 && !map.eraseBlock(map.spare())) {
            map.takeLastGoodBlockAsSpare(); // its records give way, as a bad block's do
        }
    }

    /** The spare went bad while a copy was programmed: the last good block takes its place. */
    private void retireSpare() throws IOException {
        map.markBad(map.spare());
        map.takeLastGoodBlockAsSpare();
        eraseSpare();
    }
}
