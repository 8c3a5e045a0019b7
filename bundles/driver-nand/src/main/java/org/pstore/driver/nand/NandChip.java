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
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import org.pstore.api.PstoreException;

/**
 * A simulated NAND flash chip kept in an image file, strict where flash is strict:
 * <ul>
 * <li>geometry: page size (2048 or 4096), OOB size, pages per erase block, blocks;</li>
 * <li>program only turns bits from 1 to 0, and a page is programmed at most once between erases
 * (a second program is an error); erase sets a whole block to 0xFF and counts it;</li>
 * <li>bad blocks: a factory or grown marker in the OOB of the block's first page; program and
 * erase failures can be injected, after which the block should be marked bad;</li>
 * <li>ECC in the OOB: one code per 512-byte step corrects a single flipped bit (counted) and
 * detects two (uncorrectable); bit flips can be injected;</li>
 * <li>a power cut after N program or erase steps: the program in progress leaves half its page,
 * the erase in progress half its block.</li>
 * </ul>
 * Every program and erase is logged, so tests can assert that bad blocks are never programmed.
 *
 * <pre>
 * image file:  struct nand_image_header (one 4096-byte block: magic "PSTNAND1", u32 page size,
 *              u32 oob size, u32 pages per block, u32 blocks, little-endian)
 *              then every page as data + oob, block after block
 *              then per block: u32 erase count; then a bitmap of programmed pages
 * oob:         byte 0: bad-block marker (0xff good); bytes 2..: 4 bytes of ECC per 512-byte step
 * </pre>
 */
public final class NandChip implements Closeable {

    public static final int ECC_STEP = 512;
    static final int HEADER = 4096;
    static final int OOB_ECC = 2;
    private static final byte[] MAGIC = {'P', 'S', 'T', 'N', 'A', 'N', 'D', '1'};

    /** A program or erase, as the chip saw it. */
    public record Operation(String kind, int block, int page) {
    }

    /** What a read met: single-bit errors corrected, steps that could not be corrected. */
    public record ReadResult(int corrected, int uncorrectable) {
    }

    private final Path path;
    private final FileChannel file;
    private final int pageSize;
    private final int oobSize;
    private final int pagesPerBlock;
    private final int blocks;
    private final int[] eraseCounts;
    private final BitSet programmed;
    private final List<Operation> log = Collections.synchronizedList(new ArrayList<>());
    private final BitSet failProgram = new BitSet();
    private final BitSet failErase = new BitSet();
    private long stepsLeft = Long.MAX_VALUE;
    private boolean powerLost;
    private long corrected;
    private long uncorrectable;

    private NandChip(Path path, FileChannel file, int pageSize, int oobSize, int pagesPerBlock, int blocks,
                     int[] eraseCounts, BitSet programmed) {
        this.path = path;
        this.file = file;
        this.pageSize = pageSize;
        this.oobSize = oobSize;
        this.pagesPerBlock = pagesPerBlock;
        this.blocks = blocks;
        this.eraseCounts = eraseCounts;
        this.programmed = programmed;
    }

    /** Creates an erased chip image; {@code factoryBad} blocks carry the bad-block marker. */
    public static NandChip format(Path path, int pageSize, int oobSize, int pagesPerBlock, int blocks,
                                  Set<Integer> factoryBad) throws PstoreException {
        if (pageSize != 2048 && pageSize != 4096) {
            throw new PstoreException("NAND page size is 2048 or 4096, not " + pageSize);
        }
        int steps = pageSize / ECC_STEP;
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
        return open(path);
    }

    /** Opens a chip image. */
    public static NandChip open(Path path) throws PstoreException {
        if (!Files.isRegularFile(path)) {
            throw new PstoreException("no NAND image at " + path + " (create one with format)");
        }
        FileChannel c = null;
        try {
            c = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            c.read(h, 0);
            byte[] magic = new byte[8];
            h.flip();
            if (h.remaining() < 24) {
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
            if ((pageSize != 2048 && pageSize != 4096) || oobSize <= 0 || oobSize > pageSize || ppb <= 0 || blocks < 2
                    || pages > Integer.MAX_VALUE || c.size() < meta + blocks * 4L + (pages + 7) / 8) {
                throw new PstoreException(path + ": the NAND image header (" + pageSize + "+" + oobSize + " bytes x "
                        + ppb + " pages x " + blocks + " blocks) does not match the file of " + c.size() + " bytes");
            }
            ByteBuffer m = ByteBuffer.allocate((int) (blocks * 4L + (pages + 7) / 8)).order(ByteOrder.LITTLE_ENDIAN);
            while (m.hasRemaining() && c.read(m, meta + m.position()) > 0) {
                // the whole metadata
            }
            m.flip();
            int[] counts = new int[blocks];
            for (int b = 0; b < blocks; b++) {
                counts[b] = m.getInt();
            }
            byte[] bits = new byte[m.remaining()];
            m.get(bits);
            return new NandChip(path, c, pageSize, oobSize, ppb, blocks, counts, BitSet.valueOf(bits));
        } catch (IOException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // failing already
                }
            }
            throw e instanceof PstoreException p ? p : new PstoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public int pageSize() {
        return pageSize;
    }

    public int oobSize() {
        return oobSize;
    }

    public int pagesPerBlock() {
        return pagesPerBlock;
    }

    public int blocks() {
        return blocks;
    }

    public int blockSize() {
        return pageSize * pagesPerBlock;
    }

    public synchronized int eraseCount(int block) {
        return eraseCounts[block];
    }

    public synchronized long corrected() {
        return corrected;
    }

    public synchronized long uncorrectable() {
        return uncorrectable;
    }

    /** Every program and erase so far (and mark-bad), in order. */
    public List<Operation> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public synchronized boolean isProgrammed(int block, int page) {
        return programmed.get(block * pagesPerBlock + page);
    }

    // ---- commands

    /** Whether the block carries the bad-block marker. */
    public synchronized boolean isBad(int block) throws IOException {
        checkBlock(block);
        ByteBuffer marker = ByteBuffer.allocate(1);
        read(pageOffset(block, 0) + pageSize, marker);
        return marker.get(0) != (byte) 0xff;
    }

    /** Writes the bad-block marker; the block is not used again. */
    public synchronized void markBad(int block) throws IOException {
        checkBlock(block);
        checkPower();
        log.add(new Operation("markbad", block, 0));
        file.write(ByteBuffer.wrap(new byte[] {0}), pageOffset(block, 0) + pageSize);
    }

    /**
     * Reads a page, correcting what its ECC can. {@code dst} receives {@link #pageSize()} bytes.
     * An erased page reads as 0xFF with nothing to correct.
     */
    public synchronized ReadResult readPage(int block, int page, ByteBuffer dst) throws IOException {
        checkPage(block, page);
        checkPower();
        byte[] data = new byte[pageSize];
        ByteBuffer oob = ByteBuffer.allocate(oobSize).order(ByteOrder.LITTLE_ENDIAN);
        read(pageOffset(block, page), ByteBuffer.wrap(data));
        read(pageOffset(block, page) + pageSize, oob);
        int fixed = 0;
        int broken = 0;
        if (programmed.get(block * pagesPerBlock + page)) {
            for (int s = 0; s < pageSize / ECC_STEP; s++) {
                int stored = oob.getInt(OOB_ECC + 4 * s);
                int actual = Ecc.code(data, s * ECC_STEP);
                switch (Ecc.correct(data, s * ECC_STEP, stored, actual)) {
                    case CORRECTED -> fixed++;
                    case UNCORRECTABLE -> broken++;
                    default -> { }
                }
            }
        }
        corrected += fixed;
        uncorrectable += broken;
        dst.put(data);
        return new ReadResult(fixed, broken);
    }

    /** Programs an erased page with {@link #pageSize()} bytes from {@code src} and their ECC. */
    public synchronized void programPage(int block, int page, ByteBuffer src) throws IOException {
        checkPage(block, page);
        checkPower();
        if (src.remaining() != pageSize) {
            throw new IOException("a program is one whole page of " + pageSize + " bytes, not " + src.remaining());
        }
        int index = block * pagesPerBlock + page;
        if (programmed.get(index)) {
            throw new IOException("page " + page + " of block " + block + " is already programmed: erase the block first");
        }
        log.add(new Operation("program", block, page));
        byte[] data = new byte[pageSize];
        src.get(data);
        ByteBuffer oob = ByteBuffer.allocate(oobSize).order(ByteOrder.LITTLE_ENDIAN);
        read(pageOffset(block, page) + pageSize, oob);
        for (int s = 0; s < pageSize / ECC_STEP; s++) {
            oob.putInt(OOB_ECC + 4 * s, Ecc.code(data, s * ECC_STEP));
        }
        if (stepsLeft-- <= 0) {
            // the program is cut short: half the page is programmed, the rest stays erased
            Arrays.fill(data, pageSize / 2, pageSize, (byte) 0xff);
            file.write(ByteBuffer.wrap(data), pageOffset(block, page));
            markProgrammed(index);
            powerLost = true;
            throw new IOException(path + ": power lost while programming page " + page + " of block " + block);
        }
        if (failProgram.get(block)) {
            throw new IOException("program failure at page " + page + " of block " + block);
        }
        file.write(ByteBuffer.wrap(data), pageOffset(block, page));
        file.write(oob.clear(), pageOffset(block, page) + pageSize);
        markProgrammed(index);
    }

    /** Erases a block to 0xFF (its bad-block marker too) and counts it. */
    public synchronized void eraseBlock(int block) throws IOException {
        checkBlock(block);
        checkPower();
        log.add(new Operation("erase", block, -1));
        int pages = stepsLeft-- <= 0 ? pagesPerBlock / 2 : pagesPerBlock;
        if (failErase.get(block) && pages == pagesPerBlock) {
            throw new IOException("erase failure at block " + block);
        }
        byte[] erased = new byte[pageSize + oobSize];
        Arrays.fill(erased, (byte) 0xff);
        for (int p = 0; p < pages; p++) {
            file.write(ByteBuffer.wrap(erased), pageOffset(block, p));
            programmed.clear(block * pagesPerBlock + p);
        }
        eraseCounts[block]++;
        writeMetadata();
        if (pages < pagesPerBlock) {
            powerLost = true;
            throw new IOException(path + ": power lost while erasing block " + block);
        }
    }

    // ---- fault injection

    /** The power goes after {@code n} more program or erase steps; the one after is cut short. */
    public synchronized void cutPowerAfterSteps(long n) {
        stepsLeft = n;
    }

    public synchronized boolean powerLost() {
        return powerLost;
    }

    /** From now on programs (or erases) of this block fail, as when a block wears out. */
    public synchronized void failPrograms(int block) {
        failProgram.set(block);
    }

    public synchronized void failErases(int block) {
        failErase.set(block);
    }

    /** Flips one bit of a page's stored data, as charge leaking from a cell does. */
    public synchronized void flipBit(int block, int page, int bit) throws IOException {
        checkPage(block, page);
        long at = pageOffset(block, page) + bit / 8;
        ByteBuffer b = ByteBuffer.allocate(1);
        read(at, b);
        b.put(0, (byte) (b.get(0) ^ (1 << (bit % 8))));
        file.write(b.clear(), at);
    }

    // ---- the image

    private void markProgrammed(int index) throws IOException {
        programmed.set(index);
        writeMetadata();
    }

    private void writeMetadata() throws IOException {
        long pages = (long) pagesPerBlock * blocks;
        ByteBuffer m = ByteBuffer.allocate((int) (blocks * 4L + (pages + 7) / 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (int count : eraseCounts) {
            m.putInt(count);
        }
        m.put(Arrays.copyOf(programmed.toByteArray(), m.remaining()));
        file.write(m.clear(), HEADER + pages * (pageSize + oobSize));
    }

    private long pageOffset(int block, int page) {
        return HEADER + ((long) block * pagesPerBlock + page) * (pageSize + oobSize);
    }

    private void read(long at, ByteBuffer dst) throws IOException {
        long pos = at;
        while (dst.hasRemaining()) {
            int n = file.read(dst, pos);
            if (n < 0) {
                throw new IOException(path + ": end of image at " + pos);
            }
            pos += n;
        }
    }

    private void checkPower() throws IOException {
        if (powerLost) {
            throw new IOException(path + ": the chip has no power");
        }
    }

    private void checkBlock(int block) throws IOException {
        if (block < 0 || block >= blocks) {
            throw new IOException("block " + block + " is not one of the chip's " + blocks);
        }
    }

    private void checkPage(int block, int page) throws IOException {
        checkBlock(block);
        if (page < 0 || page >= pagesPerBlock) {
            throw new IOException("page " + page + " is not one of a block's " + pagesPerBlock);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        file.force(true);
        file.close();
    }
}
