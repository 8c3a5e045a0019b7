package org.pstore.driver.nand;

/**
 * How long a NAND chip's commands take: page read (tR), page program (tPROG) and block erase
 * (tBERS), typical datasheet figures. {@link NandChip} counts them as simulated device time and
 * never sleeps, so a test or benchmark can say how long a write takes on a real chip.
 */
public record NandTiming(long readNanos, long programNanos, long eraseNanos) {

    /** SLC NAND with 2 KiB pages: tR 25 µs, tPROG 250 µs (200-300 µs typical), tBERS 2 ms. */
    public static final NandTiming SLC_2K = new NandTiming(25_000, 250_000, 2_000_000);

    /**
     * MLC NAND with 8 KiB pages: tPROG 1.3 ms, tBERS 3 ms; tR 50 µs, the read time of such parts
     * (twice the SLC figure).
     */
    public static final NandTiming MLC_8K = new NandTiming(50_000, 1_300_000, 3_000_000);

    public NandTiming {
        if (readNanos < 0 || programNanos < 0 || eraseNanos < 0) {
            throw new IllegalArgumentException("NAND command times are never negative");
        }
    }

    /** The chip class its page size suggests: SLC up to 4 KiB pages, MLC beyond. */
    public static NandTiming forPageSize(int pageSize) {
        return pageSize <= 4096 ? SLC_2K : MLC_8K;
    }
}
