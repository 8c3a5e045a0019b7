package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
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
 * number of pages within one erase block. Zones in use, zones removed (erased by pstore, the
 * block's erase deferred) and bad blocks are {@link NandZoneMap}'s; the reclaim is {@link NandSpareReclaim}'s.
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
    private final NandZoneMap map;
    private final NandSpareReclaim reclaim;
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
        if (!NandSpareReclaim.markerFits(chip.pagesPerBlock(), pageSize)) {
            throw new PstoreException(chip.pagesPerBlock() + " pages a block is more than a reclaim's marker can list in a page");
        }
        this.pagesPerZone = zoneSize / pageSize;
        this.zonesPerBlock = chip.blockSize() / zoneSize;
        this.map = new NandZoneMap(chip, zonesPerBlock);
        this.reclaim = new NandSpareReclaim(chip, map, pagesPerZone);
        this.page = ByteBuffer.allocate(pageSize);
        try {
            scan();
        } catch (IOException e) {
            throw new PstoreException(chip.path() + ": cannot scan the NAND chip: " + e.getMessage(), e);
        }
        if (map.spare() < 0 || map.zones() - (map.badBlocks() + 1) * zonesPerBlock < 2) {
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
                map.foundBad(b);
            }
        }
        map.takeLastGoodBlockAsSpare();
        if (map.spare() >= 0) {
            reclaim.recover();
        }
        for (int b = 0; b < chip.blocks(); b++) {
            if (!map.usable(b)) {
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
                    map.remove(zone); // erased by pstore before; its block not yet
                } else {
                    map.use(zone);
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
        if (reclaim.pendingFor(block)) {
            p = reclaim.pendingCopy(pageInBlock);
            b = p < 0 ? -1 : map.spare();
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
        return (long) map.zones() * zoneSize;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            int zone = zoneOf(position, dst.remaining());
            map.checkUsable(zone);
            if (!map.used(zone)) {
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
            int block = map.blockOf(zone);
            map.use(zone);
            try {
                programZone(zone, src, false);
            } catch (IOException e) {
                if (chip.powerLost()) {
                    throw e;
                }
                // the block wears out: mark it bad, never program it again, let the record go elsewhere
                map.markBad(block);
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
        map.checkUsable(zone);
        if (map.used(zone) || map.removed(zone)) {
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
        int block = map.blockOf(zone);
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
            map.use(zone);
            try {
                programZone(zone, src, true);
                panicBlock = map.blockOf(zone);
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
            int block = map.blockOf(zone);
            if (!map.used(zone)) {
                return;
            }
            map.remove(zone);
            if (!map.anyUsed(block)) {
                map.eraseBlock(block);
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
        if (map.anyFree()) {
            return;
        }
        for (int step = 1; step <= chip.blocks(); step++) {
            int block = (current + step) % chip.blocks();
            if (!map.usable(block) || block == current && step < chip.blocks()) {
                continue;
            }
            if (map.anyRemoved(block) && block != current ? reclaim.reclaimRemoved(block) : map.eraseBlock(block)) {
                return;
            }
        }
    }

    private int zoneOf(long position, int length) throws IOException {
        checkAccess(position, length);
        return (int) (position / zoneSize);
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
            blocks.add(new Part("block-" + b, List.of(new Figure("state", map.state(b)),
                    Figure.of("erases", chip.eraseCount(b)), new Figure("zones", map.zones(b)))));
        }
        return new DeviceFigures(chipFigures, blocks);
    }

    @Override
    public void close() throws IOException {
        chip.close();
    }
}
