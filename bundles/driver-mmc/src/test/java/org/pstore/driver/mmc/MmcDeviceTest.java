package org.pstore.driver.mmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MmcDeviceTest {

    @TempDir
    Path dir;

    static final int PARTITION = 16 * 1024;

    /** Unaligned writes are read-modify-writes that never disturb the neighbouring bytes. */
    @Property(tries = 200)
    void unalignedWritesTouchOnlyTheirBytes(@ForAll @IntRange(min = 0, max = PARTITION - 1) int offset,
                                            @ForAll @IntRange(min = 1, max = 3000) int length,
                                            @ForAll long seed) throws Exception {
        int len = Math.min(length, PARTITION - offset);
        Path image = Files.createTempDirectory("mmc").resolve("card.img");
        byte[] expected = new byte[PARTITION];
        new Random(seed).nextBytes(expected);
        try (MmcDevice device = new MmcDevice(MmcCard.format(image, 64 * 1024, 8192, PARTITION, (byte) 0xff), "p")) {
            device.write(0, ByteBuffer.wrap(expected.clone()));
            byte[] data = new byte[len];
            new Random(~seed).nextBytes(data);
            device.write(offset, ByteBuffer.wrap(data));
            System.arraycopy(data, 0, expected, offset, len);
            ByteBuffer all = ByteBuffer.allocate(PARTITION);
            device.read(0, all);
            assertArrayEquals(expected, all.array());
            ByteBuffer part = ByteBuffer.allocate(len);
            device.read(offset, part);
            assertArrayEquals(data, part.array());
        }
        try (MmcCard card = MmcCard.open(image, false)) {
            ByteBuffer before = ByteBuffer.allocate(8192);
            card.readBlocks(0, before);
            for (byte b : before.array()) {
                assertEquals((byte) 0xff, b, "the bytes before the partition are untouched");
            }
        } finally {
            Files.delete(image);
            Files.delete(image.getParent());
        }
    }

    @Test
    void aReturnedWriteIsDurableWhateverComesNext() throws Exception {
        Path image = dir.resolve("card.img");
        try (MmcDevice device = new MmcDevice(MmcCard.format(image, 64 * 1024, 0, 64 * 1024, (byte) 0), "p")) {
            device.write(100, ByteBuffer.wrap("durable".getBytes()));
            assertEquals(0, device.card().cachedSectors());
            device.card().cutPower();
        }
        try (MmcDevice device = new MmcDevice(MmcCard.open(image, false), "p")) {
            ByteBuffer b = ByteBuffer.allocate(7);
            device.read(100, b);
            assertEquals("durable", new String(b.array()));
        }
    }

    @Test
    void thePanicWriteIsReliableAndAllocatesNothing() throws Exception {
        Path image = dir.resolve("card.img");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (MmcDevice device = new MmcDevice(MmcCard.format(image, 1 << 20, 0, 1 << 20, (byte) 0), "p")) {
            ByteBuffer zone = ByteBuffer.allocateDirect(4096);
            for (int i = 0; i < 5_000; i++) {
                device.panicWrite(8192, zone.clear());
            }
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 500; i++) {
                device.panicWrite(8192, zone.clear());
            }
            long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            assertTrue(allocated < 1024, "allocated " + allocated);
            assertTrue(device.card().reliableWrites() >= 5500);
            assertEquals(Optional.of("on"), device.figures().value("cache"));
        }
    }
}
