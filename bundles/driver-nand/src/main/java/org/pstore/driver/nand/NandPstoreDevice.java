package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

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
 * always has a zone: a block with removed zones is reclaimed by writing its zones still in use back
 * to their own offsets (mtdpstore wrote the block's first zone over each of them); otherwise the
 * next block's records, the oldest, give way, as a ring does.</li>
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
    private final ByteBuffer page;
    /** Every command holds it; a panic write waits for it a bounded time only. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The block of the zone a panic wrote, whose next block the next normal write frees; or -1. */
    private int panicBlock = -1;

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
        if (zones - bad.cardinality() * zonesPerBlock < 2) {
            throw new PstoreException(chip.path() + " has fewer than two good kmsg zones");
        }
    }

    /** Finds bad blocks and zones in use (a zone whose first page is programmed, not erased). */
    private void scan() throws IOException {
        for (int b = 0; b < chip.blocks(); b++) {
            if (chip.isBad(b)) {
                bad.set(b);
                continue;
            }
            for (int z = 0; z < zonesPerBlock; z++) {
                int zone = b * zonesPerBlock + z;
                page.clear();
                chip.readPage(b, z * pagesPerZone, page);
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
        if (pagesPerZone == 1 || !chip.isProgrammed(block, last)) {
            return false;
        }
        page.clear();
        chip.readPage(block, last, page);
        for (byte v : page.array()) {
            if (v != 0) {
                return false;
            }
        }
        return true;
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
            if (bad.get(blockOf(zone))) {
                throw new SkipZoneException("kmsg zone " + zone + " is in bad block " + blockOf(zone));
            }
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
                if (!chip.isProgrammed(p / chip.pagesPerBlock(), p % chip.pagesPerBlock())) {
                    // the zeros after a record, which its write left unprogrammed (a reclaim writes them back)
                    Arrays.fill(page.array(), (byte) 0);
                } else if (chip.readPage(p / chip.pagesPerBlock(), p % chip.pagesPerBlock(), page).uncorrectable() > 0) {
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
        int block = blockOf(zone);
        if (bad.get(block)) {
            throw new SkipZoneException("kmsg zone " + zone + " is in bad block " + block);
        }
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
            if (!used.get(z) && !removed.get(z) && !bad.get(blockOf(z))) {
                return;
            }
        }
        for (int step = 1; step <= chip.blocks(); step++) {
            int block = (current + step) % chip.blocks();
            if (bad.get(block) || block == current && step < chip.blocks()) {
                continue;
            }
            BitSet inBlock = removed.get(block * zonesPerBlock, (block + 1) * zonesPerBlock);
            if (!inBlock.isEmpty() && block != current && reclaimRemoved(block)) {
                return;
            }
            if (eraseBlock(block)) {
                return;
            }
        }
    }

    /**
     * Frees the removed zones of a block that still holds records in use: reads the zones in use,
     * erases the block, and programs each of them back at its own offset. Returns false when the
     * block went bad (its records are lost with it).
     */
    private boolean reclaimRemoved(int block) throws IOException {
        byte[][] keep = new byte[zonesPerBlock][];
        for (int z = 0; z < zonesPerBlock; z++) {
            int zone = block * zonesPerBlock + z;
            if (used.get(zone)) {
                ByteBuffer data = ByteBuffer.allocate(zoneSize);
                read((long) zone * zoneSize, data);
                keep[z] = data.array();
            }
        }
        if (!eraseBlock(block)) {
            return false;
        }
        for (int z = 0; z < zonesPerBlock; z++) {
            if (keep[z] != null) {
                int zone = block * zonesPerBlock + z;
                used.set(zone);
                programZone(zone, ByteBuffer.wrap(keep[z]), false); // at its own offset, unlike mtdpstore
            }
        }
        return true;
    }

    /** Erases a block and frees its zones; a block whose erase fails is marked bad. */
    private boolean eraseBlock(int block) throws IOException {
        try {
            chip.eraseBlock(block);
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
            blocks.add(new Part("block-" + b, List.of(new Figure("state", bad.get(b) ? "bad" : "good"),
                    Figure.of("erases", chip.eraseCount(b)), new Figure("zones", new String(map)))));
        }
        return new DeviceFigures(chipFigures, blocks);
    }

    @Override
    public void close() throws IOException {
        chip.close();
    }
}
