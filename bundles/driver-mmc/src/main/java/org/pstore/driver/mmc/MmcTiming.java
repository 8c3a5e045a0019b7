package org.pstore.driver.mmc;

/**
 * How long an SD or eMMC card's commands take: a latency per command (the card's busy time after
 * a read command, or after a write, reliable write, cache flush or erase command) plus the bus
 * transfer of each 512-byte sector. {@link MmcCard} counts them as simulated device time and never
 * sleeps. A write command may take up to {@link #worstCaseNanos}, the 250 ms the SD specification
 * allows a card to stay busy after a write block (its internal housekeeping), which a test asks
 * for with {@link MmcCard#stallNextWrites}.
 *
 * @param readNanos      latency of a read command
 * @param writeNanos     latency of a write-type command (write, reliable write, flush, erase)
 * @param sectorNanos    bus transfer of one sector
 * @param worstCaseNanos the longest a write-type command may keep the card busy
 */
public record MmcTiming(long readNanos, long writeNanos, long sectorNanos, long worstCaseNanos) {

    /**
     * An SD card in High Speed mode: 4-bit bus at 50 MHz (25 MB/s, 20 µs a sector), 100 µs to
     * the first data of a read, 1 ms busy after a write, 250 ms at worst (SD specification).
     */
    public static final MmcTiming SD_HIGH_SPEED = new MmcTiming(100_000, 1_000_000, 20_000, 250_000_000);

    public MmcTiming {
        if (readNanos < 0 || writeNanos < 0 || sectorNanos < 0 || worstCaseNanos < writeNanos) {
            throw new IllegalArgumentException("MMC command times are never negative, and the worst case is the longest");
        }
    }

    /** A read command of {@code sectors} sectors. */
    public long read(long sectors) {
        return readNanos + sectors * sectorNanos;
    }

    /** A write-type command that moves {@code sectors} sectors over the bus (none for a flush or an erase). */
    public long write(long sectors) {
        return writeNanos + sectors * sectorNanos;
    }
}
