package org.pstore.driver.mmc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import org.pstore.api.PstoreException;
import org.pstore.api.device.PanicLock;
import org.pstore.api.device.PartitionLock;

/**
 * A simulated eMMC/SD card kept in an image file, faithful where pstore can go wrong on a real one:
 * <ul>
 * <li>512-byte sectors, single- and multi-block reads and writes, a pstore partition inside;</li>
 * <li>a volatile write cache (on by default): writes land in it, {@link #flushCache()} programs
 * them; a power cut drops what was not flushed;</li>
 * <li>a power cut in the middle of a multi-block program leaves only a prefix of its sectors;</li>
 * <li>reliable write: sector-atomic, not cached; the panic path's reliable write waits at most
 * {@link PanicLock#WAIT_MS} for a command in progress, then programs anyway;</li>
 * <li>erase/trim of sector ranges to the card's erased value (0x00 or 0xFF);</li>
 * <li>time: every command adds its {@link MmcTiming} latency and sector transfers to
 * {@link #busyNanos()}, simulated device time that is counted, never slept.</li>
 * </ul>
 *
 * <p>The image file is a 512-byte header (below) followed by the card's sectors: programming a
 * sector writes it to the file, so the file is the medium and survives the process. The image is
 * held with a {@link PartitionLock} while it is open: one writer, or readers only. The header is
 * {@link MmcImageFormat}, the command times {@link MmcCommandClock}.
 */
public final class MmcCard implements Closeable {

    public static final int SECTOR = 512;
    private static final int IMAGE_HEADER = MmcImageFormat.SIZE;

    private final Path path;
    private final PartitionLock partition;
    private final FileChannel file;
    private final boolean readOnly;
    /** Every command holds it; a panic waits for it a bounded time only. */
    private final ReentrantLock lock = new ReentrantLock();
    private final MmcImageFormat header;
    private final MmcWriteCache cache = new MmcWriteCache();

    private final MmcPowerSupply power = new MmcPowerSupply();
    private volatile long programs;
    private volatile long flushes;
    private volatile long reliableWrites;
    private final MmcCommandClock clock = new MmcCommandClock();

    private MmcCard(Path path, PartitionLock partition, FileChannel file, boolean readOnly, MmcImageFormat header) {
        this.path = path;
        this.partition = partition;
        this.file = file;
        this.readOnly = readOnly;
        this.header = header;
    }

    /**
     * Creates a card image: {@code cardBytes} of capacity, erased to {@code erased}, with the pstore
     * partition of {@code partitionBytes} at {@code partitionOffset}. All three are whole sectors.
     */
    public static MmcCard format(Path path, long cardBytes, long partitionOffset, long partitionBytes, byte erased)
            throws PstoreException {
        MmcImageFormat.create(path, cardBytes, partitionOffset, partitionBytes, erased);
        return open(path, false);
    }

    /**
     * Opens a card image: the card powers up with an empty cache. A card opened read-only takes
     * no commands that change it and is shared with other readers; a writer has it alone.
     */
    public static MmcCard open(Path path, boolean readOnly) throws PstoreException {
        return open(path, readOnly, UnaryOperator.identity());
    }

    /** As {@link #open(Path, boolean)}, the card's medium being {@code medium}'s channel. */
    static MmcCard open(Path path, boolean readOnly, UnaryOperator<FileChannel> medium) throws PstoreException {
        if (!Files.isRegularFile(path)) {
            throw new PstoreException("no MMC image at " + path + " (create one with format)");
        }
        PartitionLock partition = PartitionLock.open(path,
                Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE), readOnly);
        try {
            FileChannel c = medium.apply(partition.channel());
            return new MmcCard(path, partition, c, readOnly, MmcImageFormat.read(path, c));
        } catch (IOException | RuntimeException e) {
            try {
                partition.close();
            } catch (IOException ignored) {
                // the open failed already
            }
            throw e instanceof PstoreException p ? p : new PstoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public long sectors() {
        return header.sectors();
    }

    public long partitionFirstSector() {
        return header.partitionFirst();
    }

    public long partitionSectors() {
        return header.partitionSectors();
    }

    public byte erasedValue() {
        return header.erased();
    }

    public boolean cacheEnabled() {
        lock.lock();
        try {
            return cache.enabled();
        } finally {
            lock.unlock();
        }
    }

    /** Turning the cache off flushes it first, as a card does. */
    public void setCacheEnabled(boolean enabled) throws IOException {
        lock.lock();
        try {
            if (!enabled) {
                flushCacheLocked();
            }
            cache.setEnabled(enabled);
        } finally {
            lock.unlock();
        }
    }

    public int cachedSectors() {
        lock.lock();
        try {
            return cache.size();
        } finally {
            lock.unlock();
        }
    }

    /** Sectors programmed into the medium since the card was opened. */
    public long programs() {
        return programs;
    }

    public long flushes() {
        return flushes;
    }

    public long reliableWrites() {
        return reliableWrites;
    }

    // ---- commands

    /** Reads whole sectors from {@code lba} into {@code dst} (a multiple of 512 bytes); the cache is seen. */
    public void readBlocks(long lba, ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            int count = sectorsOf(dst);
            checkPower();
            checkRange(lba, count);
            clock.spendRead(count);
            for (int i = 0; i < count; i++) {
                byte[] cached = cache.get(lba + i);
                int limit = dst.position() + SECTOR;
                ByteBuffer sector = dst.duplicate().limit(limit);
                if (cached != null) {
                    sector.put(cached);
                } else {
                    readMedium(lba + i, sector);
                }
                dst.position(limit);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes whole sectors: into the cache when it is on, else programmed in order. */
    public void writeBlocks(long lba, ByteBuffer src) throws IOException {
        lock.lock();
        try {
            int count = sectorsOf(src);
            checkWritable();
            checkRange(lba, count);
            clock.spendWrite(count);
            if (cache.enabled()) {
                cache.put(lba, src, count);
            } else {
                program(lba, src);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Programs every cached sector, in the order written, and empties the cache. */
    public void flushCache() throws IOException {
        lock.lock();
        try {
            flushCacheLocked();
        } finally {
            lock.unlock();
        }
    }

    private void flushCacheLocked() throws IOException {
        checkWritable();
        flushes++;
        clock.spendWrite(0);
        for (Iterator<Map.Entry<Long, byte[]>> it = cache.inWriteOrder(); it.hasNext(); ) {
            Map.Entry<Long, byte[]> e = it.next();
            program(e.getKey(), ByteBuffer.wrap(e.getValue()));
            it.remove();
        }
        file.force(false);
    }

    /**
     * Reliable write: bypasses the cache and programs each sector atomically before it returns. A
     * cached copy of the same sectors is dropped, as the reliable write is newer.
     */
    public void reliableWrite(long lba, ByteBuffer src) throws IOException {
        lock.lock();
        try {
            reliableWriteLocked(lba, src, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The panic path's reliable write: waits at most {@link PanicLock#WAIT_MS} for a command in
     * progress, then programs regardless (leaving the cache alone, which only the command in
     * progress may touch). Allocates nothing when {@code src} is a direct buffer.
     */
    public void panicReliableWrite(long lba, ByteBuffer src) throws IOException {
        boolean locked = PanicLock.lockBriefly(lock);
        try {
            reliableWriteLocked(lba, src, locked);
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    /**
     * The panic path's read of whole sectors from the medium, with the same bounded wait; the
     * cache is seen only when the wait got the lock. Allocates nothing when {@code dst} is direct.
     */
    public void panicReadBlocks(long lba, ByteBuffer dst) throws IOException {
        boolean locked = PanicLock.lockBriefly(lock);
        try {
            int count = sectorsOf(dst);
            checkPower();
            checkRange(lba, count);
            clock.spendRead(count);
            int limit = dst.limit();
            for (int i = 0; i < count; i++) {
                dst.limit(dst.position() + SECTOR);
                byte[] cached = locked ? cache.get(lba + i) : null;
                if (cached != null) {
                    dst.put(cached);
                } else {
                    readMedium(lba + i, dst);
                }
                dst.limit(limit);
            }
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    private void reliableWriteLocked(long lba, ByteBuffer src, boolean dropCached) throws IOException {
        int count = sectorsOf(src);
        checkWritable();
        checkRange(lba, count);
        reliableWrites++;
        clock.spendWrite(count);
        if (dropCached) {
            cache.drop(lba, count);
        }
        program(lba, src);
        file.force(false);
    }

    /** Erases (trims) sectors to the erased value, cached copies included. */
    public void erase(long lba, long count) throws IOException {
        lock.lock();
        try {
            checkWritable();
            checkRange(lba, count);
            clock.spendWrite(0);
            cache.drop(lba, count);
            ByteBuffer sector = ByteBuffer.allocate(SECTOR);
            for (long i = 0; i < count; i++) {
                sector.clear();
                while (sector.hasRemaining()) {
                    sector.put(header.erased());
                }
                program(lba + i, sector.flip());
            }
            file.force(false);
        } finally {
            lock.unlock();
        }
    }

    // ---- time

    /** The command times counted from now on; by default {@link MmcTiming#SD_HIGH_SPEED}. */
    public void setTiming(MmcTiming timing) {
        clock.setTiming(timing);
    }

    public MmcTiming timing() {
        return clock.timing();
    }

    /** Simulated time spent on commands since the card was opened. */
    public long busyNanos() {
        return clock.busyNanos();
    }

    /** The next {@code n} write-type commands keep the card busy for the worst case the timing allows. */
    public void stallNextWrites(long n) {
        clock.stallNextWrites(n);
    }

    // ---- power

    /**
     * Fault injection: the power goes after {@code n} more sector programs. The program that would
     * be the (n+1)th does not happen, the cache is lost, and every command fails until the image is
     * opened again.
     */
    public void cutPowerAfterPrograms(long n) {
        power.cutAfterPrograms(n);
    }

    /** Fault injection: the power goes now. */
    public void cutPower() {
        lock.lock();
        try {
            power.cut();
            cache.clear();
        } finally {
            lock.unlock();
        }
    }

    public boolean powerLost() {
        return power.lost();
    }

    private void checkPower() throws IOException {
        power.check(path);
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new PstoreException(path + " is open read-only");
        }
        checkPower();
    }

    /** Programs the sectors of {@code src} in order, one at a time; a power cut leaves a prefix. */
    private void program(long lba, ByteBuffer src) throws IOException {
        int count = sectorsOf(src);
        int limit = src.limit();
        try {
            for (int i = 0; i < count; i++) {
                if (!power.takeProgram()) {
                    if (lock.isHeldByCurrentThread()) {
                        cache.clear(); // a panic that did not get the lock leaves it: the card is dead anyway
                    }
                    throw new IOException(path + ": power lost while programming sector " + (lba + i));
                }
                src.limit(src.position() + SECTOR);
                long at = IMAGE_HEADER + (lba + i) * SECTOR;
                while (src.hasRemaining()) {
                    at += file.write(src, at);
                }
                programs++;
            }
        } finally {
            src.limit(limit);
        }
    }

    private void readMedium(long lba, ByteBuffer dst) throws IOException {
        long at = IMAGE_HEADER + lba * SECTOR;
        while (dst.hasRemaining()) {
            int n = file.read(dst, at);
            if (n < 0) {
                throw new IOException(path + ": end of image at sector " + lba);
            }
            at += n;
        }
    }

    private static int sectorsOf(ByteBuffer b) throws IOException {
        if (b.remaining() % SECTOR != 0) {
            throw new IOException("MMC transfers are whole sectors, not " + b.remaining() + " bytes");
        }
        return b.remaining() / SECTOR;
    }

    private void checkRange(long lba, long count) throws IOException {
        if (lba < 0 || count < 0 || lba > header.sectors() - count) {
            throw new IOException("sectors " + lba + "+" + count + " are outside the card's " + header.sectors());
        }
    }

    /** Closes the image and releases it, so that it can be opened again. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            partition.close(); // the image closes with its last user
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "MMC card " + path + " (" + header.sectors() + " sectors, partition " + header.partitionFirst() + "+"
                + header.partitionSectors() + ")";
    }
}
