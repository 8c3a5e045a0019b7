package org.pstore.driver.nand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.PstoreException;

class NandChipTest {

    @TempDir
    Path dir;

    NandChip chip(Set<Integer> bad) throws PstoreException {
        return NandChip.format(dir.resolve("nand.img"), 2048, 64, 8, 8, bad);
    }

    static ByteBuffer page(int fill) {
        byte[] b = new byte[2048];
        Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    static byte[] read(NandChip chip, int block, int page) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2048);
        chip.readPage(block, page, b);
        return b.array();
    }

    @Test
    void aPageIsProgrammedOnceBetweenErases() throws Exception {
        try (NandChip chip = chip(Set.of())) {
            assertArrayEquals(page(0xff).array(), read(chip, 1, 2), "erased");
            chip.programPage(1, 2, page(0x5a));
            assertArrayEquals(page(0x5a).array(), read(chip, 1, 2));
            IOException twice = assertThrows(IOException.class, () -> chip.programPage(1, 2, page(0x00)));
            assertTrue(twice.getMessage().contains("already programmed"), twice.getMessage());
            chip.eraseBlock(1);
            assertEquals(1, chip.eraseCount(1));
            assertArrayEquals(page(0xff).array(), read(chip, 1, 2));
            chip.programPage(1, 2, page(0x11));
            assertEquals(2, chip.log().stream().filter(o -> o.kind().equals("program")).count());
        }
        try (NandChip chip = NandChip.open(dir.resolve("nand.img"), false)) {
            assertArrayEquals(page(0x11).array(), read(chip, 1, 2), "kept in the image");
            assertEquals(1, chip.eraseCount(1));
            assertTrue(chip.isProgrammed(1, 2));
        }
    }

    @Test
    void factoryAndGrownBadBlocks() throws Exception {
        try (NandChip chip = chip(Set.of(3))) {
            assertTrue(chip.isBad(3));
            assertFalse(chip.isBad(2));
            chip.failPrograms(2);
            assertThrows(IOException.class, () -> chip.programPage(2, 0, page(0)));
            chip.markBad(2);
            assertTrue(chip.isBad(2));
            chip.failErases(4);
            assertThrows(IOException.class, () -> chip.eraseBlock(4));
        }
    }

    @Test
    void eccCorrectsOneBitAndDetectsTwo() throws Exception {
        try (NandChip chip = chip(Set.of())) {
            byte[] data = new byte[2048];
            new java.util.Random(1).nextBytes(data);
            chip.programPage(0, 0, ByteBuffer.wrap(data.clone()));
            chip.flipBit(0, 0, 1234);
            ByteBuffer b = ByteBuffer.allocate(2048);
            NandChip.ReadResult r = chip.readPage(0, 0, b);
            assertEquals(1, r.corrected());
            assertArrayEquals(data, b.array());
            chip.flipBit(0, 0, 600 * 8 + 3);
            chip.flipBit(0, 0, 700 * 8 + 5); // two in the same 512-byte step
            r = chip.readPage(0, 0, b.clear());
            assertEquals(1, r.uncorrectable());
            assertEquals(1, chip.uncorrectable());
        }
    }

    @Test
    void aPowerCutLeavesHalfAProgramOrHalfAnErase() throws Exception {
        try (NandChip chip = chip(Set.of())) {
            chip.programPage(5, 0, page(0x00));
            chip.programPage(5, 7, page(0x00));
            chip.cutPowerAfterSteps(0);
            assertThrows(IOException.class, () -> chip.eraseBlock(5));
            assertTrue(chip.powerLost());
        }
        try (NandChip chip = NandChip.open(dir.resolve("nand.img"), false)) {
            assertArrayEquals(page(0xff).array(), read(chip, 5, 0), "the first half of the block was erased");
            assertArrayEquals(page(0x00).array(), read(chip, 5, 7), "the second half was not");
            chip.cutPowerAfterSteps(0);
            assertThrows(IOException.class, () -> chip.programPage(6, 0, page(0x00)));
        }
        try (NandChip chip = NandChip.open(dir.resolve("nand.img"), false)) {
            ByteBuffer b = ByteBuffer.allocate(2048);
            assertTrue(chip.readPage(6, 0, b).uncorrectable() > 0, "a half-programmed page fails its ECC");
        }
    }

    @Test
    void badGeometryIsAClearError() {
        assertThrows(PstoreException.class, () -> NandChip.format(dir.resolve("a.img"), 1000, 64, 8, 8, Set.of()));
        assertThrows(PstoreException.class, () -> NandChip.format(dir.resolve("b.img"), 2048, 8, 8, 8, Set.of()));
        assertThrows(PstoreException.class, () -> NandChip.format(dir.resolve("c.img"), 2048, 64, 8, 1, Set.of()));
        assertThrows(PstoreException.class, () -> NandChip.format(dir.resolve("d.img"), 2048, 64, 8, 8, Set.of(9)));
        assertThrows(PstoreException.class, () -> NandChip.open(dir.resolve("none.img"), false));
    }
}
