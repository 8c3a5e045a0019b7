package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import java.util.zip.Inflater;

import org.junit.jupiter.api.Test;
import org.pstore.api.DumpReason;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.WriteStatus;
import org.pstore.zone.internal.KmsgCompression;
import org.pstore.zone.internal.ZoneFormat;

/** kmsg zones: the record format, counters, round-robin, compression, truncation, erase, skips. */
class KmsgZoneTest {

    static final int ZONE = 4096;
    final TestClock clock = new TestClock(1_795_747_450L);
    MemoryDevice device = new MemoryDevice(4 * ZONE);
    final ZoneConfig config = ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE));

    ZoneEngine open() throws PstoreException {
        return ZoneEngine.open(device, config, clock);
    }

    static byte[] text(String s) {
        return s.getBytes(US_ASCII);
    }

    @Test
    void uncompressedOopsIsStoredInLinuxFormatAndReadWithTheTotalLine() throws Exception {
        Arrays.fill(device.bytes, (byte) 0xAA); // whatever was there before must not show through
        byte[] text = text("Oops#1 Part1\n<4>[    1.000000] boom\n");
        try (ZoneEngine engine = open()) {
            assertEquals(WriteStatus.STORED, engine.dump(DumpReason.OOPS, text, false));
        }
        ByteBuffer z = ZoneFormat.le(device.bytes);
        assertEquals(0x43474244, z.getInt(0));
        assertEquals(40 + text.length, z.getInt(4));
        assertEquals(0, z.getInt(8));
        assertEquals(0x4dfc3ae5, z.getInt(12));
        assertEquals(ZoneFormat.checksum(new CRC32C(), z, ByteBuffer.wrap(text)), z.getInt(16), "our checksum in the padding");
        assertEquals(1_795_747_450L, z.getLong(20));
        assertEquals(123_456_789L, z.getLong(28));
        assertEquals(0, z.getInt(36)); // compressed flag and its padding
        assertEquals(1, z.getInt(40));
        assertEquals(DumpReason.OOPS.code(), z.getInt(44));
        assertEquals(ZoneFormat.CHECKSUM_MARKER, z.getInt(48), "the marker in the tail padding");
        assertArrayEquals(text, Arrays.copyOfRange(device.bytes, 52, 52 + text.length));
        for (int i = 52 + text.length; i < ZONE; i++) {
            assertEquals(0, device.bytes[i], "zone written whole, zeros after the text, at " + i);
        }
        assertEquals((byte) 0xAA, device.bytes[ZONE], "the next zone is untouched");

        try (ZoneEngine engine = open()) {
            List<PstoreRecord> records = engine.records();
            assertEquals(1, records.size());
            PstoreRecord r = records.get(0);
            assertEquals("dmesg-pstore_blk-0", r.name());
            assertEquals(clock.now, r.time());
            byte[] shown = engine.read(r.name());
            assertEquals("Oops: Total 1 times\nOops#1 Part1\n<4>[    1.000000] boom\n", new String(shown, US_ASCII));
            assertEquals(shown.length, r.size());
        }
    }

    @Test
    void compressedRecordIsRawDeflateAndReadInflated() throws Exception {
        byte[] text = text("Panic#1 Part1\n" + "<0>[   12.345678] Kernel panic - not syncing\n".repeat(150));
        try (ZoneEngine engine = open()) {
            assertEquals(WriteStatus.STORED, engine.dump(DumpReason.PANIC, text, true));
        }
        ByteBuffer z = ZoneFormat.le(device.bytes);
        assertEquals(1, device.bytes[36], "compressed flag");
        int stored = z.getInt(4) - 40;
        assertTrue(stored < text.length / 4, "actually compressed: " + stored);
        Inflater inflater = new Inflater(true);
        inflater.setInput(Arrays.copyOfRange(device.bytes, 52, 52 + stored + 1));
        byte[] out = new byte[text.length];
        assertEquals(text.length, inflater.inflate(out));
        assertArrayEquals(text, out);
        try (ZoneEngine engine = open()) {
            assertArrayEquals(text, engine.read("dmesg-pstore_blk-0"), "no Total line for compressed records");
            assertEquals(text.length, engine.records().get(0).size());
        }
    }

    @Test
    void compressionIsDroppedWhenItDoesNotFit() throws Exception {
        byte[] noise = new byte[ZONE * 2];
        new Random(1).nextBytes(noise);
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, noise, true);
            assertEquals(0, device.bytes[36], "stored uncompressed");
            assertEquals(ZONE - 12, ZoneFormat.le(device.bytes).getInt(4), "truncated to the zone");
            byte[] shown = engine.read("dmesg-pstore_blk-0");
            byte[] line = text("Oops: Total 1 times\n");
            assertArrayEquals(Arrays.copyOfRange(noise, noise.length - (ZONE - 52), noise.length),
                    Arrays.copyOfRange(shown, line.length, shown.length), "the newest part is kept");
        }
    }

    /**
     * Linux's dumper keeps the dump's first line and then the newest lines that fit (the crash is
     * at the end of the log): so does a compressed dump that falls back to uncompressed.
     */
    @Test
    void aFallBackKeepsTheFirstLineAndTheNewestPart() throws Exception {
        Random random = new Random(2);
        StringBuilder log = new StringBuilder();
        while (log.length() < 3 * ZONE) { // lines of noise: their newest 8986 bytes do not compress into 4044
            byte[] noise = new byte[60];
            random.nextBytes(noise);
            log.append("<4>[").append(log.length()).append("] ").append(Base64.getEncoder().encodeToString(noise)).append('\n');
        }
        String header = "Oops#7 Part1\n";
        String crash = "<0>[ 99.000000] Kernel panic - the crash at the end\n";
        byte[] text = text(header + log + crash);
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text, true);
            assertEquals(0, device.bytes[36], "stored uncompressed");
            String shown = new String(engine.read("dmesg-pstore_blk-0"), US_ASCII);
            String stored = header + new String(Arrays.copyOfRange(text, text.length - (ZONE - 52 - header.length()),
                    text.length), US_ASCII);
            assertEquals("Oops: Total 1 times\n" + stored, shown, "the first line, then the newest part");
            assertTrue(shown.endsWith(crash), "the crash is kept");
        }
    }

    @Test
    void aCompressedDumpLongerThanLinuxCanInflateKeepsTheFirstLineAndTheNewestPart() throws Exception {
        String header = "Panic#2 Part1\n";
        StringBuilder log = new StringBuilder();
        for (int i = 0; log.length() < 30_000; i++) {
            log.append("<6>[").append(i).append("] a line that compresses well\n");
        }
        byte[] text = text(header + log);
        int inflatable = KmsgCompression.maxInflatedSize(ZONE - 52);
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.PANIC, text, true);
            assertEquals(1, device.bytes[36], "stored compressed");
            assertEquals(header + new String(Arrays.copyOfRange(text, text.length - (inflatable - header.length()),
                    text.length), US_ASCII), new String(engine.read("dmesg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void onlyLinuxsFirstLineOfADumpIsKeptFirst() throws Exception {
        byte[] text = new byte[2 * ZONE];
        Arrays.fill(text, (byte) 'x');
        byte[] notAHeader = text("Oops#7 Part\n");
        System.arraycopy(notAHeader, 0, text, 0, notAHeader.length);
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text, false);
            assertEquals("Oops: Total 1 times\n" + "x".repeat(ZONE - 52),
                    new String(engine.read("dmesg-pstore_blk-0"), US_ASCII), "no header line: the newest part alone");
        }
    }

    @Test
    void compressedInputIsLimitedToWhatLinuxCanInflate() throws Exception {
        byte[] zeros = new byte[1 << 20]; // compresses to almost nothing, inflates far past Linux's buffer
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, zeros, true);
            assertEquals(KmsgCompression.maxInflatedSize(ZONE - 52), engine.read("dmesg-pstore_blk-0").length);
        }
    }

    @Test
    void maxReasonFiltersAndSaysSo() throws Exception {
        try (ZoneEngine engine = open()) {
            assertEquals(WriteStatus.FILTERED, engine.dump(DumpReason.EMERG, text("x"), false));
            assertEquals(WriteStatus.FILTERED, engine.dump(DumpReason.SHUTDOWN, text("x"), false));
            assertTrue(device.writes.isEmpty());
            assertTrue(engine.records().isEmpty());
        }
        ZoneConfig all = new ZoneConfig(ZoneLayout.kmsgOnly(ZONE), DumpReason.SHUTDOWN.code(), "pstore_blk");
        try (ZoneEngine engine = ZoneEngine.open(device, all, clock)) {
            assertEquals(WriteStatus.STORED, engine.dump(DumpReason.SHUTDOWN, text("bye\n"), false));
            assertEquals("Shutdown: Total 0 times\nbye\n", new String(engine.read("dmesg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void countersArePersistentAndPerReason() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text("a"), false);
            clock.advance(1);
            engine.dump(DumpReason.OOPS, text("b"), false);
            clock.advance(1);
            engine.dump(DumpReason.PANIC, text("c"), false);
        }
        try (ZoneEngine engine = open()) {
            assertEquals(2, engine.oopsCount());
            assertEquals(1, engine.panicCount());
            // erasing does not reset counters: the kmsg header stays on the device
            for (PstoreRecord r : engine.records()) {
                engine.erase(r.name());
            }
            assertTrue(engine.records().isEmpty());
        }
        try (ZoneEngine engine = open()) {
            assertTrue(engine.records().isEmpty());
            clock.advance(1);
            engine.dump(DumpReason.OOPS, text("d"), false);
            assertTrue(new String(engine.read("dmesg-pstore_blk-3"), US_ASCII).startsWith("Oops: Total 3 times\n"));
        }
    }

    @Test
    void zonesAreUsedRoundRobinAndTheCursorIsRecovered() throws Exception {
        try (ZoneEngine engine = open()) {
            for (int i = 0; i < 6; i++) {
                clock.advance(1);
                engine.dump(DumpReason.OOPS, text("record " + i), false);
            }
            // zones 0..3, then 0 and 1 again
            assertEquals(List.of("dmesg-pstore_blk-0", "dmesg-pstore_blk-1", "dmesg-pstore_blk-2", "dmesg-pstore_blk-3"),
                    engine.records().stream().map(PstoreRecord::name).toList());
            assertTrue(new String(engine.read("dmesg-pstore_blk-1"), US_ASCII).endsWith("record 5"));
        }
        try (ZoneEngine engine = open()) {
            assertEquals(2, engine.nextKmsgZone(), "after the newest record, in zone 1");
            clock.advance(1);
            engine.dump(DumpReason.OOPS, text("record 6"), false);
            assertTrue(new String(engine.read("dmesg-pstore_blk-2"), US_ASCII).endsWith("record 6"));
        }
    }

    @Test
    void equalTimesGoToTheHigherIndex() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text("a"), false);
            engine.dump(DumpReason.OOPS, text("b"), false);
        }
        try (ZoneEngine engine = open()) {
            assertEquals(2, engine.nextKmsgZone());
        }
    }

    @Test
    void eraseRewritesOnlyTheZoneHeader() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text("gone"), false);
            byte[] before = Arrays.copyOf(device.bytes, ZONE);
            device.writes.clear();
            engine.erase("dmesg-pstore_blk-0");
            assertEquals(1, device.writes.size());
            assertArrayEquals(new long[] {0, 12}, device.writes.get(0));
            assertEquals(0, ZoneFormat.le(device.bytes).getInt(4), "datalen 0");
            assertArrayEquals(Arrays.copyOfRange(before, 12, ZONE), Arrays.copyOfRange(device.bytes, 12, ZONE));
            assertThrows(NoSuchRecordException.class, () -> engine.read("dmesg-pstore_blk-0"));
            assertThrows(NoSuchRecordException.class, () -> engine.erase("dmesg-pstore_blk-0"));
        }
    }

    @Test
    void unknownNamesAreRefused() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text("x"), false);
            for (String name : List.of("dmesg-pstore_blk-1", "dmesg-other-0", "pmsg-pstore_blk-0",
                    "dmesg-pstore_blk-0.enc.z", "dmesg-pstore_blk-", "dmesg-pstore_blk-99999999999", "")) {
                assertThrows(NoSuchRecordException.class, () -> engine.read(name), name);
            }
        }
    }

    @Test
    void aRecordThatDoesNotInflateIsShownRawAsEncZ() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text("x".repeat(1000)), true);
        }
        ByteBuffer z = ZoneFormat.le(device.bytes);
        int stored = z.getInt(4) - 40;
        z.putInt(48, 0); // a record as Linux writes it: no checksum
        device.bytes[52] ^= 0x06; // an invalid block type
        try (ZoneEngine engine = open()) {
            PstoreRecord r = engine.records().get(0);
            assertEquals("dmesg-pstore_blk-0.enc.z", r.name());
            assertEquals(stored, r.size());
            assertArrayEquals(Arrays.copyOfRange(device.bytes, 52, 52 + stored), engine.read(r.name()));
            assertThrows(NoSuchRecordException.class, () -> engine.read("dmesg-pstore_blk-0"));
            engine.erase(r.name());
            assertTrue(engine.records().isEmpty());
        }
    }

    @Test
    void aTornRecordIsReportedDamagedNeverShownAsGood() throws Exception {
        // a power cut after the header's sector leaves old bytes under the new header
        try (ZoneEngine engine = open()) {
            engine.dump(DumpReason.OOPS, text("first"), false);
            clock.advance(1);
            engine.dump(DumpReason.OOPS, text("second"), false);
        }
        byte[] before = device.bytes.clone();
        try (ZoneEngine engine = open()) {
            clock.advance(1);
            engine.dump(DumpReason.OOPS, text("torn text ".repeat(100)), false); // zone 2
        }
        // only the first sector of the new record reached the medium
        System.arraycopy(before, 2 * ZONE + 512, device.bytes, 2 * ZONE + 512, ZONE - 512);
        try (ZoneEngine engine = open()) {
            assertEquals(List.of("dmesg-pstore_blk-0", "dmesg-pstore_blk-1"),
                    engine.records().stream().map(PstoreRecord::name).toList());
            PstoreException e = assertThrows(PstoreException.class, () -> engine.read("dmesg-pstore_blk-2"));
            assertTrue(e.getMessage().contains("damaged"), e.getMessage());
            assertTrue(engine.problems().get(0).contains("checksum mismatch"), engine.problems().toString());
        }
        ZoneFormat.le(device.bytes).putInt(2 * ZONE + 48, 0); // without our marker, as Linux would see it
        try (ZoneEngine engine = open()) {
            assertEquals(3, engine.records().size(), "records without a checksum are taken as they are");
        }
    }

    @Test
    void aZoneTheDeviceSkipsGivesWayToTheNext() throws Exception {
        device.skipFrom = 0;
        device.skipTo = ZONE;
        try (ZoneEngine engine = open()) {
            assertEquals(WriteStatus.STORED, engine.dump(DumpReason.OOPS, text("x"), false));
            assertEquals("dmesg-pstore_blk-1", engine.records().get(0).name());
        }
        device.skipTo = 4L * ZONE;
        try (ZoneEngine engine = open()) {
            PstoreException e = assertThrows(PstoreException.class, () -> engine.dump(DumpReason.OOPS, text("y"), false));
            assertTrue(e.getMessage().contains("no kmsg zone could take the record"), e.getMessage());
        }
    }

    @Test
    void aWriteThatDidNotReachTheDeviceIsReportedAsPending() throws Exception {
        try (ZoneEngine engine = open()) {
            device.failWrites = true;
            assertEquals(WriteStatus.PENDING, engine.dump(DumpReason.OOPS, text("kept"), false));
            assertEquals(1, engine.dirtyZoneCount());
            assertTrue(new String(engine.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("kept"));
            device.failWrites = false;
            assertTrue(engine.flush());
            assertEquals(0, engine.dirtyZoneCount());
        }
        try (ZoneEngine engine = open()) {
            assertTrue(new String(engine.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("kept"));
        }
    }

    @Test
    void noKmsgZonesIsAClearError() throws Exception {
        ZoneConfig pmsgOnly = ZoneConfig.of(new ZoneLayout(0, ZONE, 0, 0, 1));
        try (ZoneEngine engine = ZoneEngine.open(device, pmsgOnly, clock)) {
            PstoreException e = assertThrows(PstoreException.class, () -> engine.dump(DumpReason.OOPS, text("x"), false));
            assertTrue(e.getMessage().contains("no kmsg zones"), e.getMessage());
        }
    }
}
