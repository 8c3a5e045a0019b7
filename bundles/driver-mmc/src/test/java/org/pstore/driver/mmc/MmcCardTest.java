package org.pstore.driver.mmc;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.PstoreException;
import org.pstore.api.device.PartitionLock;

class MmcCardTest {

    @TempDir
    Path dir;

    static ByteBuffer sectors(int count, int fill) {
        byte[] b = new byte[count * 512];
        Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    static byte[] read(MmcCard card, long lba, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(count * 512);
        card.readBlocks(lba, b);
        return b.array();
    }

    @Test
    void cachedWritesAreLostByAPowerCutAndKeptByAFlush() throws Exception {
        Path image = dir.resolve("card.img");
        try (MmcCard card = MmcCard.format(image, 1 << 20, 0, 1 << 20, (byte) 0)) {
            card.writeBlocks(0, sectors(2, 1));
            card.flushCache();
            card.writeBlocks(2, sectors(2, 2));
            assertEquals(2, card.cachedSectors());
            assertArrayEquals(sectors(2, 2).array(), read(card, 2, 2), "reads see the cache");
            card.cutPower();
            assertThrows(IOException.class, () -> read(card, 0, 1));
        }
        try (MmcCard card = MmcCard.open(image, false)) {
            assertArrayEquals(sectors(2, 1).array(), read(card, 0, 2));
            assertArrayEquals(sectors(2, 0).array(), read(card, 2, 2), "the unflushed sectors never landed");
        }
    }

    @Test
    void aPowerCutInAMultiBlockProgramLeavesAPrefix() throws Exception {
        Path image = dir.resolve("card.img");
        try (MmcCard card = MmcCard.format(image, 1 << 20, 0, 1 << 20, (byte) 0)) {
            card.setCacheEnabled(false);
            card.cutPowerAfterPrograms(3);
            assertThrows(IOException.class, () -> card.writeBlocks(10, sectors(8, 7)));
            assertTrue(card.powerLost());
        }
        try (MmcCard card = MmcCard.open(image, false)) {
            assertArrayEquals(sectors(3, 7).array(), read(card, 10, 3));
            assertArrayEquals(sectors(5, 0).array(), read(card, 13, 5));
        }
    }

    @Test
    void aReliableWriteBypassesTheCache() throws Exception {
        Path image = dir.resolve("card.img");
        try (MmcCard card = MmcCard.format(image, 1 << 20, 0, 1 << 20, (byte) 0)) {
            card.writeBlocks(4, sectors(1, 9));
            card.reliableWrite(4, sectors(1, 5));
            card.reliableWrite(5, sectors(1, 6));
            assertEquals(0, card.cachedSectors(), "the reliable write is newer than the cached sector");
            card.cutPower();
        }
        try (MmcCard card = MmcCard.open(image, false)) {
            assertArrayEquals(sectors(1, 5).array(), read(card, 4, 1));
            assertArrayEquals(sectors(1, 6).array(), read(card, 5, 1));
        }
    }

    @Test
    void eraseLeavesTheCardsErasedValue() throws Exception {
        try (MmcCard card = MmcCard.format(dir.resolve("ff.img"), 64 * 1024, 4096, 32768, (byte) 0xff)) {
            assertArrayEquals(sectors(1, 0xff).array(), read(card, 0, 1), "formatted erased");
            card.writeBlocks(3, sectors(2, 1));
            card.flushCache();
            card.erase(3, 1);
            assertArrayEquals(sectors(1, 0xff).array(), read(card, 3, 1));
            assertArrayEquals(sectors(1, 1).array(), read(card, 4, 1));
            assertEquals(8, card.partitionFirstSector());
            assertEquals(64, card.partitionSectors());
        }
    }

    @Test
    void badGeometryAndBadImagesAreClearErrors() throws Exception {
        assertThrows(PstoreException.class, () -> MmcCard.format(dir.resolve("a.img"), 1000, 0, 512, (byte) 0));
        assertThrows(PstoreException.class, () -> MmcCard.format(dir.resolve("b.img"), 4096, 2048, 4096, (byte) 0));
        assertThrows(PstoreException.class, () -> MmcCard.format(dir.resolve("c.img"), 4096, 0, 4096, (byte) 7));
        PstoreException missing = assertThrows(PstoreException.class, () -> MmcCard.open(dir.resolve("none.img"), false));
        assertTrue(missing.getMessage().contains("no MMC image"), missing.getMessage());
        Files.write(dir.resolve("junk.img"), new byte[4096]);
        PstoreException junk = assertThrows(PstoreException.class, () -> MmcCard.open(dir.resolve("junk.img"), false));
        assertTrue(junk.getMessage().contains("not an MMC image"), junk.getMessage());
        MmcCard.format(dir.resolve("d.img"), 4096, 0, 4096, (byte) 0).close();
        assertThrows(PstoreException.class, () -> MmcCard.format(dir.resolve("d.img"), 4096, 0, 4096, (byte) 0),
                "formatting never destroys an image");
    }

    @Test
    void anImageShorterThanItsHeaderIsOneClearErrorAndLeftAlone() throws Exception {
        for (int length : new int[] {0, 8, 32}) {
            Path image = dir.resolve("short-" + length + ".img");
            byte[] bytes = Arrays.copyOf("PSTMMC01".getBytes(US_ASCII), length);
            Files.write(image, bytes);
            PstoreException e = assertThrows(PstoreException.class, () -> MmcCard.open(image, false));
            assertEquals(image + " is not an MMC image: its " + length + " bytes are shorter than the image header",
                    e.getMessage());
            assertArrayEquals(bytes, Files.readAllBytes(image));
            // the refused open released the image: it can be opened (and locked) again at once
            PartitionLock.open(image, Set.of(StandardOpenOption.READ,
                    StandardOpenOption.WRITE), false).close();
        }
    }

    @Test
    void oneWriterPerImage() throws Exception {
        Path image = dir.resolve("card.img");
        try (MmcCard card = MmcCard.format(image, 8192, 0, 8192, (byte) 0)) {
            PstoreException second = assertThrows(PstoreException.class, () -> MmcCard.open(image, false));
            assertTrue(second.getMessage().contains("is in use by this process"), second.getMessage());
            card.reliableWrite(0, ByteBuffer.allocate(512));
            MmcCard.open(image, true).close(); // a reader in this JVM shares the card's channel
            assertThrows(PstoreException.class, () -> MmcCard.open(image, false), "still held after the reader");
            card.reliableWrite(0, ByteBuffer.allocate(512));
        }
        try (MmcCard reader = MmcCard.open(image, true)) {
            assertThrows(PstoreException.class, () -> reader.reliableWrite(0, ByteBuffer.allocate(512)),
                    "a reader changes nothing");
        }
        MmcCard.open(image, false).close();
    }
}
