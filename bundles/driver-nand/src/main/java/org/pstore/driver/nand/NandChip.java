package org.pstore.driver.nand;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import org.pstore.api.PstoreException;
import org.pstore.api.device.PanicLock;
import org.pstore.api.device.PartitionLock;

/**
 * A simulated NAND flash chip kept in an image file, strict where flash is strict:
 * <ul>
 * <li>geometry: page size (2048 or 4096 as SLC parts have, 8192 as MLC), OOB size, pages per erase
 * block, blocks;</li>
 * <li>program only turns bits from 1 to 0, and a page is programmed at most once between erases
 * (a second program is an error); erase sets a whole block to 0xFF and counts it;</li>
 * <li>bad blocks: a factory or grown marker in the OOB of the block's first page; program and
 * erase failures can be injected, after which the block should be marked bad;</li>
 * <li>ECC in the OOB: one code per 512-byte step corrects a single flipped bit (counted) and
 * detects two (uncorrectable); bit flips can be injected;</li>
 * <li>a power cut after N program or erase steps: the program in progress leaves half its page,
 * the erase in progress half its block;</li>
 * <li>time: every read, program and erase adds its {@link NandTiming} figure to
 * {@link #busyNanos()}, simulated device time that is counted, never slept.</li>
 * </ul>
 * Every program and erase is logged, so tests can assert that bad blocks are never programmed;
 * panic programs are counted in {@link #steps()} but not logged, as logging allocates.
 *
 * <p>The image is held with a {@link PartitionLock} while it is open: one writer, or readers only.
 * Every command holds the chip's lock; the panic path's program ({@link #panicProgramPage}) waits
 * for it at most {@link PanicLock#WAIT_MS}, then programs anyway, and allocates nothing. The image
 * file's layout is {@link NandImageFormat}'s.
 */
public final class NandChip implements Closeable {

    public static final int ECC_STEP = 512;

    /** A program or erase, as the chip saw it. */
    public record Operation(String kind, int block, int page) {
    }

    /** What a read met: single-bit errors corrected, steps that could not be corrected. */
    public record ReadResult(int corrected, int uncorrectable) {
    }

    private final Path path;
    private final PartitionLock partition;
    private final FileChannel file;
    private final boolean readOnly;
    private final ReentrantLock lock = new ReentrantLock();
    private final NandImageFormat format;
    private final NandPageMetadata metadata;
    private final List<Operation> log = Collections.synchronizedList(new ArrayList<>());
    private final NandFaults faults = new NandFaults();
    private final NandCommandClock clock;
    private final NandImageChannel image;
    private final NandProgramBuffers panicBuffers;
    private long corrected;
    private long uncorrectable;

    private NandChip(Path path, PartitionLock partition, FileChannel file, boolean readOnly, NandImageFormat format,
                     NandPageMetadata metadata) {
        this.path = path;
        this.partition = partition;
        this.file = file;
        this.readOnly = readOnly;
        this.image = new NandImageChannel(path, file);
        this.panicBuffers = NandProgramBuffers.direct(format);
        this.format = format;
        this.metadata = metadata;
        this.clock = new NandCommandClock(NandTiming.forPageSize(format.pageSize()));
    }

    /** Creates an erased chip image; {@code factoryBad} blocks carry the bad-block marker. */
    public static NandChip format(Path path, int pageSize, int oobSize, int pagesPerBlock, int blocks,
                                  Set<Integer> factoryBad) throws PstoreException {
        NandImageFormat.create(path, pageSize, oobSize, pagesPerBlock, blocks, factoryBad);
        return open(path, false);
    }

    /**
     * Opens a chip image. A chip opened read-only takes no program or erase and is shared with
     * other readers; a writer has it alone.
     */
    public static NandChip open(Path path, boolean readOnly) throws PstoreException {
        return open(path, readOnly, UnaryOperator.identity());
    }

    /** As {@link #open(Path, boolean)}, the chip's medium being {@code medium}'s channel. */
    static NandChip open(Path path, boolean readOnly, UnaryOperator<FileChannel> medium) throws PstoreException {
        if (!Files.isRegularFile(path)) {
            throw new PstoreException("no NAND image at " + path + " (create one with format)");
        }
        PartitionLock partition = PartitionLock.open(path,
                Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE), readOnly);
        try {
            FileChannel c = medium.apply(partition.channel());
            NandImageFormat format = NandImageFormat.read(path, c);
            int blocks = format.blocks();
            return new NandChip(path, partition, c, readOnly, format, NandPageMetadata.read(format, c));
        } catch (IOException | RuntimeException e) {
            try {
                partition.close();
            } catch (IOException ignored) {
                // failing already
            }
            throw e instanceof PstoreException p ? p : new PstoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public int pageSize() {
        return format.pageSize();
    }

    public int oobSize() {
        return format.oobSize();
    }

    public int pagesPerBlock() {
        return format.pagesPerBlock();
    }

    public int blocks() {
        return format.blocks();
    }

    public int blockSize() {
        return format.pageSize() * format.pagesPerBlock();
    }

    public int eraseCount(int block) {
        lock.lock();
        try {
            return metadata.eraseCount(block);
        } finally {
            lock.unlock();
        }
    }

    public long corrected() {
        lock.lock();
        try {
            return corrected;
        } finally {
            lock.unlock();
        }
    }

    public long uncorrectable() {
        lock.lock();
        try {
            return uncorrectable;
        } finally {
            lock.unlock();
        }
    }

    /** Every program and erase so far (and mark-bad), in order. */
    public List<Operation> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public boolean isProgrammed(int block, int page) {
        lock.lock();
        try {
            return metadata.isProgrammed(block, page);
        } finally {
            lock.unlock();
        }
    }

    // ---- commands

    /** Whether the block carries the bad-block marker. */
    public boolean isBad(int block) throws IOException {
        lock.lock();
        try {
            checkBlock(block);
            clock.read(); // the marker is read from the OOB like a page
            ByteBuffer marker = ByteBuffer.allocate(1);
            image.read(format.pageOffset(block, 0) + format.pageSize(), marker);
            return marker.get(0) != (byte) 0xff;
        } finally {
            lock.unlock();
        }
    }

    /** Writes the bad-block marker; the block is not used again. */
    public void markBad(int block) throws IOException {
        lock.lock();
        try {
            checkBlock(block);
            checkWritable();
            log.add(new Operation("markbad", block, 0));
            clock.programMarker();
            file.write(ByteBuffer.wrap(new byte[] {0}), format.pageOffset(block, 0) + format.pageSize());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads a page, correcting what its ECC can. {@code dst} receives {@link #pageSize()} bytes.
     * An erased page reads as 0xFF with nothing to correct.
     */
    public ReadResult readPage(int block, int page, ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            checkPage(block, page);
            faults.checkPower(path);
            clock.read();
            byte[] data = new byte[format.pageSize()];
            ByteBuffer oob = ByteBuffer.allocate(format.oobSize()).order(ByteOrder.LITTLE_ENDIAN);
            image.read(format.pageOffset(block, page), ByteBuffer.wrap(data));
            image.read(format.pageOffset(block, page) + format.pageSize(), oob);
            ReadResult result = metadata.isProgrammed(block, page) ? NandPageEcc.correct(data, oob) : new ReadResult(0, 0);
            corrected += result.corrected();
            uncorrectable += result.uncorrectable();
            dst.put(data);
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Programs an erased page with {@link #pageSize()} bytes from {@code src} and their ECC. */
    public void programPage(int block, int page, ByteBuffer src) throws IOException {
        lock.lock();
        try {
            checkProgram(block, page, src);
            log.add(new Operation("program", block, page));
            program(block, page, src, NandProgramBuffers.heap(format));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The panic path's program: waits at most {@link PanicLock#WAIT_MS} for a command in progress,
     * then programs anyway, through buffers prepared at open. Never erases, allocates nothing.
     */
    public void panicProgramPage(int block, int page, ByteBuffer src) throws IOException {
        boolean locked = PanicLock.lockBriefly(lock);
        try {
            checkProgram(block, page, src);
            program(block, page, src, panicBuffers);
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    private void checkProgram(int block, int page, ByteBuffer src) throws IOException {
        checkPage(block, page);
        checkWritable();
        if (src.remaining() != format.pageSize()) {
            throw new IOException("a program is one whole page of " + format.pageSize() + " bytes, not " + src.remaining());
        }
        if (metadata.isProgrammed(block, page)) {
            throw new IOException("page " + page + " of block " + block + " is already programmed: erase the block first");
        }
    }

    /** Programs the page from {@code src} through the buffers given. */
    private void program(int block, int page, ByteBuffer src, NandProgramBuffers buffers) throws IOException {
        byte[] data = buffers.data();
        ByteBuffer out = buffers.page();
        ByteBuffer oob = buffers.oob();
        clock.program();
        src.get(data);
        oob.clear();
        image.read(format.pageOffset(block, page) + format.pageSize(), oob);
        NandPageEcc.encode(data, oob);
        boolean cut = !faults.takeStep();
        if (cut) {
            // the program is cut short: half the page is programmed, the rest stays erased
            Arrays.fill(data, format.pageSize() / 2, format.pageSize(), (byte) 0xff);
        } else if (faults.programFails(block)) {
            throw new IOException("program failure at page " + page + " of block " + block);
        }
        out.clear();
        out.put(data).flip();
        image.write(out, format.pageOffset(block, page));
        if (!cut) {
            image.write(oob.clear(), format.pageOffset(block, page) + format.pageSize());
        }
        image.write(metadata.markProgrammed(block, page, buffers.bitmapByte()), format.bitmapByteOffset(block, page));
        if (cut) {
            faults.losePower();
            throw new IOException(path + ": power lost while programming page " + page + " of block " + block);
        }
    }

    /** Erases a block to 0xFF (its bad-block marker too) and counts it. */
    public void eraseBlock(int block) throws IOException {
        lock.lock();
        try {
            checkBlock(block);
            checkWritable();
            log.add(new Operation("erase", block, -1));
            clock.erase();
            int pages = faults.takeStep() ? format.pagesPerBlock() : format.pagesPerBlock() / 2;
            if (faults.eraseFails(block) && pages == format.pagesPerBlock()) {
                throw new IOException("erase failure at block " + block);
            }
            byte[] erased = new byte[format.pageSize() + format.oobSize()];
            Arrays.fill(erased, (byte) 0xff);
            for (int p = 0; p < pages; p++) {
                file.write(ByteBuffer.wrap(erased), format.pageOffset(block, p));
                metadata.erased(block, p);
            }
            metadata.countErase(block);
            metadata.write(file);
            if (pages < format.pagesPerBlock()) {
                faults.losePower();
                throw new IOException(path + ": power lost while erasing block " + block);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- fault injection

    /** The power goes after {@code n} more program or erase steps; the one after is cut short. */
    public void cutPowerAfterSteps(long n) {
        lock.lock();
        try {
            faults.cutPowerAfterSteps(n);
        } finally {
            lock.unlock();
        }
    }

    // ---- time

    /** The command times counted from now on; by default those of the page size's class. */
    public void setTiming(NandTiming timing) {
        clock.setTiming(timing);
    }

    public NandTiming timing() {
        return clock.timing();
    }

    /** Simulated time spent on reads, programs and erases since the chip was opened. */
    public long busyNanos() {
        return clock.busyNanos();
    }

    /** Programs and erases so far, the panic path's included: the steps a power cut counts. */
    public long steps() {
        return clock.steps();
    }

    public boolean powerLost() {
        lock.lock();
        try {
            return faults.powerLost();
        } finally {
            lock.unlock();
        }
    }

    /** From now on programs (or erases) of this block fail, as when a block wears out. */
    public void failPrograms(int block) {
        lock.lock();
        try {
            faults.failPrograms(block);
        } finally {
            lock.unlock();
        }
    }

    public void failErases(int block) {
        lock.lock();
        try {
            faults.failErases(block);
        } finally {
            lock.unlock();
        }
    }

    /** Flips one bit of a page's stored data, as charge leaking from a cell does. */
    public void flipBit(int block, int page, int bit) throws IOException {
        lock.lock();
        try {
            checkPage(block, page);
            image.flipBit(format.pageOffset(block, page) + bit / 8, bit);
        } finally {
            lock.unlock();
        }
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new PstoreException(path + " is open read-only");
        }
        faults.checkPower(path);
    }

    private void checkBlock(int block) throws IOException {
        if (block < 0 || block >= format.blocks()) {
            throw new IOException("block " + block + " is not one of the chip's " + format.blocks());
        }
    }

    private void checkPage(int block, int page) throws IOException {
        checkBlock(block);
        if (page < 0 || page >= format.pagesPerBlock()) {
            throw new IOException("page " + page + " is not one of a block's " + format.pagesPerBlock());
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!readOnly) {
                file.force(true);
            }
        } finally {
            lock.unlock();
            partition.close(); // the image closes with its last user
        }
    }
}
