package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.ForwardingStorageDevice;
import org.pstore.api.device.StorageDevice;
import org.pstore.driver.file.FileDevice;
import org.pstore.zone.internal.ZoneFormat;

/** The engine on the file device: durable records, large partitions, bounded memory, background flush. */
class FileDeviceEngineTest {

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(1_800_000_000L);

    @Test
    void recordsSurviveReopeningTheFile() throws Exception {
        Path image = dir.resolve("pstore.img");
        ZoneConfig config = ZoneConfig.of(new ZoneLayout(65536, 65536, 65536, 0, 1));
        try (FileDevice device = FileDevice.openOrCreate(image, 1 << 20);
             ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            engine.dump(DumpReason.OOPS, "Oops#1 Part1\nboom\n".getBytes(US_ASCII), true);
            engine.append(RecordType.PMSG, "app message\n".getBytes(US_ASCII));
            engine.append(RecordType.CONSOLE, "console line\n".getBytes(US_ASCII));
        }
        try (FileDevice device = FileDevice.open(image, true);
             ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(3, engine.records().size());
            assertEquals("Oops#1 Part1\nboom\n", new String(engine.read("dmesg-pstore_blk-0"), US_ASCII));
            assertEquals("app message\n", new String(engine.read("pmsg-pstore_blk-0"), US_ASCII));
            assertEquals("console line\n", new String(engine.read("console-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void aDeviceSmallerThanTheLayoutIsRefusedUntouched() throws Exception {
        Path image = dir.resolve("small.img");
        Files.write(image, new byte[65536]);
        ZoneConfig config = ZoneConfig.of(new ZoneLayout(65536, 65536, 0, 0, 1));
        try (FileDevice device = FileDevice.open(image, false)) {
            PstoreException e = assertThrows(PstoreException.class, () -> ZoneEngine.open(device, config, clock));
            assertTrue(e.getMessage().contains("kmsg-size 65536 does not fit"), e.getMessage());
        }
        assertArrayEquals(new byte[65536], Files.readAllBytes(image));
    }

    @Test
    void partitionsLargerThanFourGibibytesUseSixtyFourBitOffsets() throws Exception {
        Path image = dir.resolve("big.img");
        long size = 5L << 30;
        int zone = 64 * 1024;
        ZoneConfig config = ZoneConfig.of(ZoneLayout.kmsgOnly(zone));
        int zones = (int) (size / zone);
        try (FileDevice device = FileDevice.openOrCreate(image, size)) {
            // a record written long ago in the second-to-last zone makes the last zone the next
            ByteBuffer h = ByteBuffer.allocate(52).order(ByteOrder.LITTLE_ENDIAN);
            ZoneFormat.putHeader(h, 0, ZoneFormat.signature(RecordType.DMESG), 40 + 3, 0);
            ZoneFormat.putKmsgHeader(h, 1_800_000_000L + 1000, 0, false, 7, DumpReason.OOPS.code(),
                    new java.util.zip.CRC32C(), ByteBuffer.wrap("old".getBytes(US_ASCII)));
            device.write((long) (zones - 2) * zone, h.clear());
            device.write((long) (zones - 2) * zone + 52, ByteBuffer.wrap("old".getBytes(US_ASCII)));
        }
        try (FileDevice device = FileDevice.open(image, false);
             ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(zones - 1, engine.nextKmsgZone());
            assertEquals(7, engine.oopsCount());
            clock.advance(2000);
            engine.dump(DumpReason.OOPS, "beyond 4 GiB".getBytes(US_ASCII), false);
        }
        try (RandomAccessFile raw = new RandomAccessFile(image.toFile(), "r")) {
            byte[] text = new byte[12];
            raw.seek(size - zone + 52);
            raw.readFully(text);
            assertEquals("beyond 4 GiB", new String(text, US_ASCII));
        }
        try (FileDevice device = FileDevice.open(image, true);
             ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals("Oops: Total 8 times\nbeyond 4 GiB",
                    new String(engine.read("dmesg-pstore_blk-" + (zones - 1)), US_ASCII));
            assertEquals(0, engine.nextKmsgZone(), "wraps to the first zone");
        }
    }

    @Test
    void openingAGibibyteNeedsNoMoreHeapThanAMebibyte() throws Exception {
        ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1));
        long small = retainedAfterOpen(dir.resolve("small.img"), 1L << 20, config);
        long large = retainedAfterOpen(dir.resolve("large.img"), 1L << 30, config);
        // a mirror of the partition would be 1 GiB; allow 1 MiB of measurement noise
        assertTrue(large < small + (1L << 20), "1 MiB: " + small + " bytes retained, 1 GiB: " + large);
    }

    private static long retainedAfterOpen(Path image, long size, ZoneConfig config) throws Exception {
        try (FileDevice device = FileDevice.openOrCreate(image, size)) {
            long before = usedHeapAfterGc();
            ZoneEngine engine = ZoneEngine.open(device, config);
            long after = usedHeapAfterGc();
            engine.records();
            engine.close();
            return after - before;
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void theBackgroundFlushRetriesUntilTheDeviceTakesTheData() throws Exception {
        Path image = dir.resolve("flaky.img");
        ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, 4096, 0, 0, 1));
        try (FileDevice file = FileDevice.openOrCreate(image, 16384)) {
            FlakyDevice device = new FlakyDevice(file);
            try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
                device.down = true;
                assertEquals(WriteStatus.PENDING, engine.dump(DumpReason.OOPS, "while down".getBytes(US_ASCII), false));
                assertEquals(WriteStatus.PENDING, engine.append(RecordType.PMSG, "pmsg while down".getBytes(US_ASCII)));
                Thread.sleep(1200); // at least one retry fails
                assertTrue(device.failedWrites >= 2, "retried: " + device.failedWrites);
                device.down = false;
                long deadline = System.currentTimeMillis() + 10_000;
                while (engine.dirtyZoneCount() > 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(0, engine.dirtyZoneCount(), "flushed without being asked");
            }
        }
        try (FileDevice device = FileDevice.open(image, true);
             ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals("Oops: Total 1 times\nwhile down", new String(engine.read("dmesg-pstore_blk-0"), US_ASCII));
            assertEquals("pmsg while down", new String(engine.read("pmsg-pstore_blk-0"), US_ASCII));
        }
    }

    /** Passes everything to a real device, except writes while {@code down}. */
    static final class FlakyDevice extends ForwardingStorageDevice {
        volatile boolean down;
        volatile int failedWrites;

        FlakyDevice(StorageDevice target) {
            super(target);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            if (down) {
                failedWrites++;
                throw new IOException("device not ready");
            }
            target.write(position, src);
        }
    }

    @Test
    void nothingIsWrittenWhenOnlyReading() throws Exception {
        Path image = LinuxImages.folder().resolve("cus-kmsg-pmsg-console.img");
        Path copy = Files.copy(image, dir.resolve("copy.img"));
        LinuxImages.Expected expected = LinuxImages.expected(image);
        try (FileDevice device = FileDevice.open(copy, false);
             ZoneEngine engine = ZoneEngine.open(device, expected.config(), clock)) {
            for (var r : engine.records()) {
                engine.read(r.name());
            }
            engine.describeZones(z -> { });
        }
        assertTrue(Arrays.equals(Files.readAllBytes(image), Files.readAllBytes(copy)));
    }
}
