package org.pstore.driver.nand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chip's simulated time: the figures are the datasheet parameters (SLC with 2 KiB pages: page
 * read about 25 µs, page program 200-300 µs, block erase about 2 ms; MLC with 8 KiB pages: program
 * about 1.3 ms, erase about 3 ms), and every command adds its own, none sleeps.
 */
class NandTimingTest {

    private static final long MICROS = 1_000;

    @TempDir
    Path dir;

    @Test
    void theFiguresAreTheDatasheetParameters() {
        NandTiming slc = NandTiming.forPageSize(2048);
        assertEquals(25 * MICROS, slc.readNanos());
        assertTrue(slc.programNanos() >= 200 * MICROS && slc.programNanos() <= 300 * MICROS, slc.toString());
        assertEquals(2_000 * MICROS, slc.eraseNanos());
        NandTiming mlc = NandTiming.forPageSize(8192);
        assertEquals(1_300 * MICROS, mlc.programNanos());
        assertEquals(3_000 * MICROS, mlc.eraseNanos());
    }

    @Test
    void everyCommandAddsItsTimeOnAnSlcChip() throws Exception {
        try (NandChip chip = NandChip.format(dir.resolve("slc.img"), 2048, 64, 8, 8, Set.of())) {
            assertEquals(0, chip.busyNanos());
            long wall = System.nanoTime();
            for (int p = 0; p < 8; p++) {
                chip.programPage(1, p, page(2048, p));
            }
            chip.panicProgramPage(2, 0, page(2048, 9));
            chip.readPage(1, 3, ByteBuffer.allocate(2048));
            chip.eraseBlock(1);
            long busy = 9 * 250 * MICROS + 25 * MICROS + 2_000 * MICROS;
            assertEquals(busy, chip.busyNanos(), "9 programs, a read, an erase");
            assertTrue(System.nanoTime() - wall < busy * 100, "counted, not slept (the bound is loose: a shared machine)");
        }
    }

    @Test
    void anMlcChipTakesItsOwnTimes() throws Exception {
        try (NandChip chip = NandChip.format(dir.resolve("mlc.img"), 8192, 448, 4, 4, Set.of())) {
            chip.programPage(1, 0, page(8192, 1));
            chip.programPage(1, 1, page(8192, 2));
            chip.eraseBlock(1);
            assertEquals(2 * 1_300 * MICROS + 3_000 * MICROS, chip.busyNanos());
        }
    }

    @Test
    void anotherTimingCanBeGiven() throws Exception {
        try (NandChip chip = NandChip.format(dir.resolve("slow.img"), 2048, 64, 8, 8, Set.of())) {
            chip.setTiming(new NandTiming(30 * MICROS, 300 * MICROS, 3_000 * MICROS));
            chip.programPage(0, 0, page(2048, 1));
            chip.eraseBlock(0);
            assertEquals(300 * MICROS + 3_000 * MICROS, chip.busyNanos());
        }
    }

    private static ByteBuffer page(int size, int fill) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }
}
