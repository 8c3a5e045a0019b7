package org.pstore.driver.mmc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The card's simulated time: a latency per command plus 20 µs a sector on a 25 MB/s bus (4 bits at
 * 50 MHz, SD High Speed), and the 250 ms the SD specification allows a write to keep the card busy.
 */
class MmcTimingTest {

    private static final long MICROS = 1_000;

    @TempDir
    Path dir;

    @Test
    void theFiguresAreTheSpecificationsBounds() {
        MmcTiming sd = MmcTiming.SD_HIGH_SPEED;
        assertEquals(250_000 * MICROS, sd.worstCaseNanos(), "SD: a write block keeps the card busy 250 ms at most");
        assertEquals(512 * 1_000_000_000L / 25_000_000, sd.sectorNanos(), 1_000, "512 bytes at 25 MB/s");
    }

    @Test
    void everyCommandAddsItsLatencyAndItsSectors() throws Exception {
        try (MmcCard card = MmcCard.format(dir.resolve("card.img"), 1 << 20, 0, 1 << 20, (byte) 0)) {
            MmcTiming t = new MmcTiming(100 * MICROS, 1_000 * MICROS, 20 * MICROS, 250_000 * MICROS);
            card.setTiming(t);
            long wall = System.nanoTime();
            card.reliableWrite(0, ByteBuffer.allocate(128 * 512));            // 1 ms + 128 × 20 µs
            card.panicReliableWrite(128, ByteBuffer.allocateDirect(8 * 512)); // 1 ms + 8 × 20 µs
            card.readBlocks(0, ByteBuffer.allocate(4 * 512));                // 100 µs + 4 × 20 µs
            card.writeBlocks(8, ByteBuffer.allocate(2 * 512));               // 1 ms + 2 × 20 µs
            card.flushCache();                                               // 1 ms
            card.erase(0, 16);                                               // 1 ms
            long busy = 5 * 1_000 * MICROS + 100 * MICROS + (128 + 8 + 4 + 2) * 20 * MICROS;
            assertEquals(busy, card.busyNanos());
            assertTrue(System.nanoTime() - wall < 250_000 * MICROS, "counted, not slept");
        }
    }

    @Test
    void aStalledWriteTakesTheWorstCase() throws Exception {
        try (MmcCard card = MmcCard.format(dir.resolve("card.img"), 1 << 20, 0, 1 << 20, (byte) 0)) {
            card.stallNextWrites(1);
            card.reliableWrite(0, ByteBuffer.allocate(512));
            card.reliableWrite(1, ByteBuffer.allocate(512));
            MmcTiming sd = MmcTiming.SD_HIGH_SPEED;
            assertEquals(250_000 * MICROS + sd.sectorNanos() + sd.write(1), card.busyNanos(),
                    "the first write stalls 250 ms, the second takes its usual time");
        }
    }
}
