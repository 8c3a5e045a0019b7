package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

import org.pstore.api.PstoreException;
import org.pstore.api.device.DeviceFigures;
import org.pstore.api.device.DeviceFigures.Figure;
import org.pstore.api.device.DeviceFigures.Part;
import org.pstore.api.device.SkipZoneException;
import org.pstore.api.device.StorageDevice;
import org.pstore.api.device.PanicLock;

/**
 * pstore on NAND, as Linux's mtdpstore, done right. Holds kmsg zones only: a zone is a whole
 * number of pages within one erase block. Three bitmaps: zones in use, zones removed (erased by
 * pstore, the block's erase deferred), bad blocks.
 * <ul>
 * <li>A write to a bad block or to a zone already programmed answers "skip this zone"; a block
 * that fails a program is marked bad and the write answers "skip", so the record lands in the
 * next good zone.</li>
 * <li>When the last free zone is taken, the next good block is made free again, so the next panic
 * always has a zone: a block with removed zones is reclaimed, its zones still in use going back to
 * their own offsets (mtdpstore wrote the block's first zone over each of them); otherwise the
 * next block's records, the oldest, give way, as a ring does.</li>
 * <li>A reclaim survives a power cut at any step: the last good block is a spare that holds no
 * zones; the pages in use are copied there and committed by a marker in its last page before their
 * block is erased, then programmed back and the spare erased. Opening the device completes a
 * committed reclaim and erases a copy that was never committed; a chip opened read-only shows the
 * kept pages from their copy instead.</li>
 * <li>Erasing a record marks its zone removed; the block is erased once no zone in it is in use.
 * Until then a tombstone (the zone's last page programmed with zeros) keeps the removal over a
 * restart; trailing pages of zeros are never programmed, so a record leaves the last page free
 * unless it fills it, and then, as in Linux, it shows again after a restart until its block is
 * erased.</li>
 * <li>Reads correct single-bit errors; an uncorrectable page fails the read of its zone only.</li>
 * </ul>
 */
public final class NandPstoreDevice implements StorageDevice {

    private final NandChip chip;
    private final String name;
    private final int zoneSize;
    private final int pageSize;
    private final int pagesPerZone;
    private final int zonesPerBlock;
    private final int zones;
    /** Sized for every zone up front, so that the panic path's marks never grow them. */
    private final BitSet used;
    private final BitSet removed;
    private final BitSet bad;
    /** The last good block: a reclaim's copies, never a zone; or -1 once no good block is left. */
    private int spare;
    /** A committed reclaim a read-only chip could not complete: its block's kept pages are read from the spare. */
    private Reclaim pending;
    private final ByteBuffer page;
    /** Every command holds it; a panic write waits for it a bounded time only. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The block of the zone a panic wrote, whose next block the next normal write frees; or -1. */
    private int panicBlock = -1;

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

    /** The device on a chip that is closed again when the device cannot be made. */
    public static NandPstoreDevice open(NandChip chip, String name, int zoneSize) throws PstoreException {
        try {
            return new NandPstoreDevice(chip, name, zoneSize);
        } catch (PstoreException e) {
            try {
                chip.close();
            } catch (IOException ignored) {
                // failing already, with a better message
            }
            throw e;
        }
    }

    private NandPstoreDevice(NandChip chip, String name, int zoneSize) throws PstoreException {
        this.chip = chip;
        this.name = name;
        this.zoneSize = zoneSize;
        this.pageSize = chip.pageSize();
        if (zoneSize <= 0 || zoneSize % pageSize != 0 || zoneSize > chip.blockSize() || chip.blockSize() % zoneSize != 0) {
            throw new PstoreException("kmsg-size " + zoneSize + " on NAND must be a whole number of " + pageSize
                    + "-byte pages that divides the " + chip.blockSize() + "-byte erase block (zones never straddle blocks)");
        }
        if (MARKER_HEAD + (chip.pagesPerBlock() + 7) / 8 + 4 > pageSize) {
            throw new PstoreException(chip.pagesPerBlock() + " pages a block is more than a reclaim's marker can list in a page");
        }
        this.pagesPerZone = zoneSize / pageSize;
        this.zonesPerBlock = chip.blockSize() / zoneSize;
        this.zones = zonesPerBlock * chip.blocks();
        this.used = new BitSet(zones);
        this.removed = new BitSet(zones);
        this.bad = new BitSet(chip.blocks());
        this.page = ByteBuffer.allocate(pageSize);
        try {
            scan();
        } catch (IOException e) {
            throw new PstoreException(chip.path() + ": cannot scan the NAND chip: " + e.getMessage(), e);
        }
        if (spare < 0 || zones - (bad.cardinality() + 1) * zonesPerBlock < 2) {
            throw new PstoreException(chip.path() + " has fewer than two good kmsg zones besides its spare block");
        }
    }

    /**
     * Finds bad blocks and the spare, completes or discards a reclaim the spare holds, then finds
     * the zones in use (a zone whose first page is programmed, not erased).
     */
    private void scan() throws IOException {
        for (int b = 0; b < chip.blocks(); b++) {
            if (chip.isBad(b)) {
                bad.set(b);
            }
        }
        spare = lastGoodBlock();
        if (spare >= 0) {
            recoverReclaim();
        }
        for (int b = 0; b < chip.blocks(); b++) {
            if (!usable(b)) {
                continue;
            }
            for (int z = 0; z < zonesPerBlock; z++) {
                int zone = b * zonesPerBlock + z;
                page.clear();
                readPage(b, z * pagesPerZone, page);
                if (erased(page.array())) {
                    continue;
                }
                if (hasTombstone(b, z)) {
                    removed.set(zone); // erased by pstore before; its block not yet
                } else {
                    used.set(zone);
                }
            }
        }
    }

    /**
     * A tombstone is a zone's last page programmed with zeros: data never leaves one there, as
     * trailing pages of zeros are not programmed.
     */
    private boolean hasTombstone(int block, int zoneInBlock) throws IOException {
        int last = zoneInBlock * pagesPerZone + pagesPerZone - 1;
        page.clear();
        if (pagesPerZone == 1 || readPage(block, last, page) == ERASED) {
            return false;
        }
        for (byte v : page.array()) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link #readPage}'s answer for a page never programmed. */
    private static final int ERASED = -1;

    /**
     * Reads a page of a zone as the device shows it: from its copy while a reclaim is pending, as
     * erased 0xFF when it was never programmed ({@link #ERASED}); else answers the ECC steps that
     * could not be corrected.
     */
    private int readPage(int block, int pageInBlock, ByteBuffer dst) throws IOException {
        int b = block;
        int p = pageInBlock;
        if (pending != null && block == pending.block()) {
            b = pending.pages().get(pageInBlock) ? spare : -1;
            p = pending.pages().get(0, pageInBlock).cardinality();
        }
        if (b < 0 || !chip.isProgrammed(b, p)) {
            while (dst.hasRemaining()) {
                dst.put((byte) 0xff);
            }
            return ERASED;
        }
        return chip.readPage(b, p, dst).uncorrectable();
    }

    private static boolean erased(byte[] bytes) {
        for (byte v : bytes) {
            if (v != (byte) 0xff) {
                return false;
            }
        }
        return true;
    }

    public NandChip chip() {
        return chip;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return (long) zones * zoneSize;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            int zone = zoneOf(position, dst.remaining());
            checkUsable(zone);
            if (!used.get(zone)) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0xff); // erased flash: no zone header, an empty zone
                }
                return;
            }
            long pos = position;
            while (dst.hasRemaining()) {
                int p = (int) (pos / pageSize);
                int at = (int) (pos % pageSize);
                page.clear();
                int uncorrectable = readPage(p / chip.pagesPerBlock(), p % chip.pagesPerBlock(), page);
                if (uncorrectable == ERASED) {
                    // the zeros after a record, which its write left unprogrammed
                    Arrays.fill(page.array(), (byte) 0);
                } else if (uncorrectable > 0) {
                    throw new IOException("uncorrectable ECC error in page " + (p % chip.pagesPerBlock()) + " of block "
                            + p / chip.pagesPerBlock() + " (kmsg zone " + zone + ")");
                }
                int n = Math.min(dst.remaining(), pageSize - at);
                dst.put(page.array(), at, n);
                pos += n;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Takes whole zones only, as mtdpstore: the engine writes a kmsg zone in one piece. */
    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        lock.lock();
        try {
            freeAZoneAfterAPanic();
            int zone = freeZone(position, src);
            int block = blockOf(zone);
            used.set(zone);
            try {
                programZone(zone, src, false);
            } catch (IOException e) {
                if (chip.powerLost()) {
                    throw e;
                }
                // the block wears out: mark it bad, never program it again, let the record go elsewhere
                markBad(block);
                keepAZoneFree(block);
                throw new SkipZoneException("program failed in block " + block + ", now marked bad: " + e.getMessage());
            }
            keepAZoneFree(block);
        } finally {
            lock.unlock();
        }
    }

    /** The zone a write of {@code src} at {@code position} takes, if it is free to take it. */
    private int freeZone(long position, ByteBuffer src) throws IOException {
        if (position % zoneSize != 0 || src.remaining() != zoneSize) {
            throw new PstoreException("NAND takes whole kmsg zones of " + zoneSize + " bytes, not " + src.remaining()
                    + " bytes at " + position + " (pmsg, console and ftrace zones need a block device)");
        }
        int zone = zoneOf(position, zoneSize);
        checkUsable(zone);
        if (used.get(zone) || removed.get(zone)) {
            throw new SkipZoneException("kmsg zone " + zone + " is already programmed");
        }
        return zone;
    }

    /**
     * Programs the zone's pages up to the last one that is not all zeros; trailing pages of zeros
     * stay erased (pstore writes zeros after a record, where nobody reads), which leaves the last
     * page free for a tombstone.
     */
    private void programZone(int zone, ByteBuffer data, boolean panic) throws IOException {
        int start = data.position();
        int pages = pagesPerZone;
        while (pages > 1 && allZero(data, start + (pages - 1) * pageSize)) {
            pages--;
        }
        int block = blockOf(zone);
        int limit = data.limit();
        try {
            for (int p = 0; p < pages; p++) {
                data.limit(start + (p + 1) * pageSize).position(start + p * pageSize);
                int page = (zone % zonesPerBlock) * pagesPerZone + p;
                if (panic) {
                    chip.panicProgramPage(block, page, data);
                } else {
                    chip.programPage(block, page, data);
                }
            }
        } finally {
            data.limit(limit).position(limit);
        }
    }

    @Override
    public boolean hasPanicWrite() {
        return true;
    }

    /**
     * Like mtdpstore_panic_write: programs a free zone (one {@link #keepAZoneFree} kept for it)
     * straight from {@code src}, never erases or reclaims, and a zone that is not free is skipped;
     * the next normal write frees a zone again.
     * Waits at most {@link PanicLock#WAIT_MS} for a write in progress, then programs anyway;
     * allocates nothing.
     */
    @Override
    public void panicWrite(long position, ByteBuffer src) throws IOException {
        boolean locked = PanicLock.lockBriefly(lock);
        try {
            int zone = freeZone(position, src);
            used.set(zone);
            try {
                programZone(zone, src, true);
                panicBlock = blockOf(zone);
            } catch (IOException e) {
                if (chip.powerLost()) {
                    throw e;
                }
                throw new SkipZoneException("panic program failed in kmsg zone " + zone + ": " + e.getMessage());
            }
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    private boolean allZero(ByteBuffer data, int from) {
        for (int i = from; i < from + pageSize; i++) {
            if (data.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** pstore's erase: the zone is removed; its block is erased once none of its zones is in use. */
    @Override
    public boolean hasErase() {
        return true;
    }

    @Override
    public void erase(long position, long length) throws IOException {
        lock.lock();
        try {
            int zone = zoneOf(position, 0);
            freeAZoneAfterAPanic();
            int block = blockOf(zone);
            if (!used.get(zone)) {
                return;
            }
            used.clear(zone);
            removed.set(zone);
            if (used.get(block * zonesPerBlock, (block + 1) * zonesPerBlock).isEmpty()) {
                eraseBlock(block);
                return;
            }
            // the block must wait; a tombstone in the zone's last page keeps the removal over a restart
            int last = (zone % zonesPerBlock) * pagesPerZone + pagesPerZone - 1;
            if (pagesPerZone > 1 && !chip.isProgrammed(block, last)) {
                ByteBuffer tombstone = ByteBuffer.allocate(pageSize);
                chip.programPage(block, last, tombstone);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The security step a panic left for the next normal write or erase. */
    private void freeAZoneAfterAPanic() throws IOException {
        if (panicBlock >= 0) {
            int after = panicBlock;
            panicBlock = -1;
            keepAZoneFree(after);
        }
    }

    /**
     * Like mtdpstore's security step: when no zone is free any more, free the next good block, so
     * that a panic always finds a zone.
     */
    private void keepAZoneFree(int current) throws IOException {
        for (int z = 0; z < zones; z++) {
            if (!used.get(z) && !removed.get(z) && usable(blockOf(z))) {
                return;
            }
        }
        for (int step = 1; step <= chip.blocks(); step++) {
            int block = (current + step) % chip.blocks();
            if (!usable(block) || block == current && step < chip.blocks()) {
                continue;
            }
            boolean hasRemoved = !removed.get(block * zonesPerBlock, (block + 1) * zonesPerBlock).isEmpty();
            if (hasRemoved && block != current ? reclaimRemoved(block) : eraseBlock(block)) {
                return;
            }
        }
    }

    /**
     * Frees the removed zones of a block that still holds records in use, without a moment in
     * which a power cut loses them: its programmed pages in use are copied to the spare and
     * committed there, then the block is erased and they are programmed back at their own offsets.
     * Returns false when nothing was freed (the block or the spare went bad).
     */
    private boolean reclaimRemoved(int block) throws IOException {
        BitSet pages = new BitSet(chip.pagesPerBlock());
        for (int z = 0; z < zonesPerBlock; z++) {
            if (used.get(block * zonesPerBlock + z)) {
                for (int p = z * pagesPerZone; p < (z + 1) * pagesPerZone; p++) {
                    if (chip.isProgrammed(block, p)) {
                        pages.set(p);
                    }
                }
            }
        }
        if (pages.isEmpty() || spare < 0) {
            return eraseBlock(block); // nothing to keep, or nowhere to keep it: the records give way
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
            chip.programPage(spare, n++, page.clear());
        }
        ByteBuffer marker = ByteBuffer.allocate(pageSize).order(ByteOrder.LITTLE_ENDIAN);
        marker.put(MARKER_MAGIC).putInt(reclaim.block()).putInt(chip.pagesPerBlock()).putInt((int) crc.getValue())
                .put(Arrays.copyOf(reclaim.pages().toByteArray(), (chip.pagesPerBlock() + 7) / 8));
        CRC32C markerCrc = new CRC32C();
        markerCrc.update(marker.array(), 0, marker.position());
        marker.putInt((int) markerCrc.getValue());
        chip.programPage(spare, chip.pagesPerBlock() - 1, marker.clear());
    }

    /**
     * The reclaim the spare holds, if its marker is whole and its copies match it; null for a
     * copy never committed, or one whose spare was being erased (its block is whole again).
     */
    private Reclaim committedReclaim() throws IOException {
        int last = chip.pagesPerBlock() - 1;
        page.clear();
        if (!chip.isProgrammed(spare, last) || chip.readPage(spare, last, page).uncorrectable() > 0) {
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
                || pagesPerBlock != chip.pagesPerBlock() || block < 0 || block >= chip.blocks() || !usable(block)
                || pages.isEmpty() || pages.length() > chip.pagesPerBlock() || pages.cardinality() > last) {
            return null;
        }
        CRC32C crc = new CRC32C();
        for (int n = 0; n < pages.cardinality(); n++) {
            page.clear();
            if (!chip.isProgrammed(spare, n) || chip.readPage(spare, n, page).uncorrectable() > 0) {
                return null;
            }
            crc.update(page.array());
        }
        return copiesCrc == (int) crc.getValue() ? new Reclaim(block, pages) : null;
    }

    /** At open: completes a committed reclaim, or erases a copy that was never committed. */
    private void recoverReclaim() throws IOException {
        boolean blank = true;
        for (int p = 0; p < chip.pagesPerBlock(); p++) {
            blank &= !chip.isProgrammed(spare, p);
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
        boolean kept = eraseBlock(reclaim.block());
        try {
            int n = 0;
            for (int p = reclaim.pages().nextSetBit(0); kept && p >= 0; p = reclaim.pages().nextSetBit(p + 1)) {
                page.clear();
                chip.readPage(spare, n++, page);
                chip.programPage(reclaim.block(), p, page.clear());
                used.set(reclaim.block() * zonesPerBlock + p / pagesPerZone);
            }
        } catch (PstoreException refused) {
            throw refused;
        } catch (IOException e) {
            if (chip.powerLost()) {
                throw e;
            }
            markBad(reclaim.block()); // its records are lost with it
            kept = false;
        }
        eraseSpare();
        return kept;
    }

    /** Erases the spare; one that fails is marked bad, and the last good block becomes the spare. */
    private void eraseSpare() throws IOException {
        while (spare >= 0 && !eraseBlock(spare)) {
            spare = lastGoodBlock(); // its records give way, as a bad block's do
        }
    }

    /** The spare went bad while a copy was programmed: the last good block takes its place. */
    private void retireSpare() throws IOException {
        markBad(spare);
        spare = lastGoodBlock();
        eraseSpare();
    }

    private int lastGoodBlock() {
        return bad.previousClearBit(chip.blocks() - 1);
    }

    /** A block that holds zones: neither bad nor the spare. */
    private boolean usable(int block) {
        return !bad.get(block) && block != spare;
    }

    private void checkUsable(int zone) throws SkipZoneException {
        int block = blockOf(zone);
        if (bad.get(block)) {
            throw new SkipZoneException("kmsg zone " + zone + " is in bad block " + block);
        }
        if (block == spare) {
            throw new SkipZoneException("kmsg zone " + zone + " is in block " + block + ", the spare that reclaims copy to");
        }
    }

    /** Erases a block and frees its zones; a block whose erase fails is marked bad. */
    private boolean eraseBlock(int block) throws IOException {
        try {
            chip.eraseBlock(block);
        } catch (PstoreException refused) {
            throw refused; // a read-only chip: not wear
        } catch (IOException e) {
            if (chip.powerLost()) {
                throw e;
            }
            markBad(block);
            return false;
        }
        used.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        removed.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        return true;
    }

    private void markBad(int block) throws IOException {
        bad.set(block);
        used.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        removed.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        chip.markBad(block);
    }

    private int zoneOf(long position, int length) throws IOException {
        checkAccess(position, length);
        return (int) (position / zoneSize);
    }

    private int blockOf(int zone) {
        return zone / zonesPerBlock;
    }

    /** The chip's figures, and per block: good or bad, erase count, zones used (U), removed (R) or free (.). */
    @Override
    public DeviceFigures figures() {
        lock.lock();
        try {
            return figuresLocked();
        } finally {
            lock.unlock();
        }
    }

    private DeviceFigures figuresLocked() {
        List<Figure> chipFigures = List.of(
                new Figure("nand", String.valueOf(chip.path())),
                Figure.of("page", pageSize),
                Figure.of("oob", chip.oobSize()),
                Figure.of("pages-per-block", chip.pagesPerBlock()),
                Figure.of("blocks", chip.blocks()),
                Figure.of("corrected", chip.corrected()),
                Figure.of("uncorrectable", chip.uncorrectable()));
        List<Part> blocks = new ArrayList<>();
        for (int b = 0; b < chip.blocks(); b++) {
            char[] map = new char[zonesPerBlock];
            for (int z = 0; z < zonesPerBlock; z++) {
                int zone = b * zonesPerBlock + z;
                map[z] = used.get(zone) ? 'U' : removed.get(zone) ? 'R' : '.';
            }
            blocks.add(new Part("block-" + b, List.of(new Figure("state", bad.get(b) ? "bad" : b == spare ? "spare" : "good"),
                    Figure.of("erases", chip.eraseCount(b)), new Figure("zones", new String(map)))));
        }
        return new DeviceFigures(chipFigures, blocks);
    }

    @Override
    public void close() throws IOException {
        chip.close();
    }
}
