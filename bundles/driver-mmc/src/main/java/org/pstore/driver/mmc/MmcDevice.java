package org.pstore.driver.mmc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

import org.pstore.api.device.DeviceFigures;
import org.pstore.api.device.DeviceFigures.Figure;
import org.pstore.api.device.StorageDevice;

/**
 * The pstore partition of an MMC card as a {@link StorageDevice}. A write that does not cover
 * whole sectors becomes a read-modify-write of the sectors it touches; every normal write goes
 * through the cache and is flushed before it returns, so a returned write is durable. The panic
 * write is a reliable write that bypasses the cache, waits a bounded time for a command in
 * progress, and allocates nothing.
 */
public final class MmcDevice implements StorageDevice {

    private static final int SECTOR = MmcCard.SECTOR;

    private final MmcCard card;
    private final String name;
    private final long first;
    private final long size;
    /** The panic path's largest piece. */
    static final int PANIC_CHUNK = 64 * 1024;

    /** The panic path's buffer, direct so that the JDK copies nothing, allocated up front. */
    private final ByteBuffer panicBuffer;

    public MmcDevice(MmcCard card, String name) {
        this.card = card;
        this.name = name;
        this.first = card.partitionFirstSector();
        this.size = card.partitionSectors() * SECTOR;
        this.panicBuffer = ByteBuffer.allocateDirect((int) Math.min(PANIC_CHUNK, size));
    }

    public MmcCard card() {
        return card;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        checkAccess(position, dst.remaining());
        long lba = position / SECTOR;
        int head = (int) (position % SECTOR);
        ByteBuffer sectors = ByteBuffer.allocate(roundUp(head + dst.remaining()));
        card.readBlocks(first + lba, sectors);
        dst.put(sectors.position(head).limit(head + dst.remaining()));
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        checkAccess(position, src.remaining());
        long lba = position / SECTOR;
        int head = (int) (position % SECTOR);
        int length = src.remaining();
        if (head == 0 && length % SECTOR == 0) {
            card.writeBlocks(first + lba, src);
        } else {
            ByteBuffer sectors = ByteBuffer.allocate(roundUp(head + length));
            // only the first and the last sector can hold bytes that are not ours
            card.readBlocks(first + lba, sectors.limit(SECTOR));
            if (sectors.capacity() > SECTOR) {
                card.readBlocks(first + lba + sectors.capacity() / SECTOR - 1,
                        sectors.limit(sectors.capacity()).position(sectors.capacity() - SECTOR));
            }
            sectors.clear().position(head);
            sectors.put(src).clear();
            card.writeBlocks(first + lba, sectors);
        }
        card.flushCache();
    }

    @Override
    public boolean hasPanicWrite() {
        return true;
    }

    /**
     * Reliable writes through a direct buffer prepared up front, a piece of up to
     * {@link #PANIC_CHUNK} bytes at a time; the sectors at an unaligned edge are read into it
     * first. The card waits a bounded time for a command in progress, then writes anyway.
     */
    @Override
    public void panicWrite(long position, ByteBuffer src) throws IOException {
        checkAccess(position, src.remaining());
        long pos = position;
        int limit = src.limit();
        try {
            while (src.hasRemaining()) {
                int offset = (int) (pos % SECTOR);
                int span = Math.min(panicBuffer.capacity(), roundUp(offset + src.remaining()));
                int n = Math.min(span - offset, src.remaining());
                long lba = first + pos / SECTOR;
                if (offset != 0) {
                    card.panicReadBlocks(lba, panicBuffer.clear().limit(SECTOR));
                }
                if (offset + n < span && (offset == 0 || span > SECTOR)) {
                    card.panicReadBlocks(lba + span / SECTOR - 1, panicBuffer.clear().limit(span).position(span - SECTOR));
                }
                panicBuffer.clear().limit(span).position(offset);
                src.limit(src.position() + n);
                panicBuffer.put(src);
                src.limit(limit);
                card.panicReliableWrite(lba, panicBuffer.clear().limit(span));
                pos += n;
            }
        } finally {
            src.limit(limit);
        }
    }

    @Override
    public DeviceFigures figures() {
        return new DeviceFigures(List.of(
                new Figure("mmc", String.valueOf(card.path())),
                Figure.of("cache", card.cacheEnabled()),
                Figure.of("cached-sectors", card.cachedSectors()),
                Figure.of("card-sectors", card.sectors()),
                Figure.of("partition-first-sector", first),
                Figure.of("partition-sectors", card.partitionSectors()),
                new Figure("erased", String.format(Locale.ROOT, "0x%02x", card.erasedValue() & 0xff)),
                Figure.of("programs", card.programs()),
                Figure.of("flushes", card.flushes()),
                Figure.of("reliable-writes", card.reliableWrites())), List.of());
    }

    private static int roundUp(int bytes) {
        return (bytes + SECTOR - 1) / SECTOR * SECTOR;
    }

    @Override
    public void close() throws IOException {
        card.close();
    }
}
