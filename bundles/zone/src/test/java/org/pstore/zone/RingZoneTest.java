package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.zone.internal.ZoneFormat;

/** pmsg and console rings: wrap-around, linearised reads, the restart on open, erase, damaged headers. */
class RingZoneTest {

    static final int ZONE = 1024;
    static final int CAPACITY = ZONE - 12;
    final TestClock clock = new TestClock(1_800_000_000L);
    final MemoryDevice device = new MemoryDevice(8192);
    final ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, ZONE, ZONE, 0, 1));

    ZoneEngine open() throws PstoreException {
        return ZoneEngine.open(device, config, clock);
    }

    static byte[] bytes(String s) {
        return s.getBytes(US_ASCII);
    }

    @Test
    void theLinuxImageRingsAreWrittenByteForByte() throws Exception {
        Path image = LinuxImages.folder().resolve("cus-kmsg-pmsg-console.img");
        LinuxImages.Expected expected = LinuxImages.expected(image);
        byte[] linux = Files.readAllBytes(image);
        // start from Linux's image with the headers and written data of both rings wiped, so that
        // what lies beyond the data (Linux never wrote it) is the same on both sides
        byte[] wiped = linux.clone();
        Arrays.fill(wiped, 0, 12 + 49, (byte) 0);
        Arrays.fill(wiped, 65536, 65536 + 12 + 19743, (byte) 0);
        MemoryDevice fresh = new MemoryDevice(wiped);
        try (ZoneEngine engine = ZoneEngine.open(fresh, expected.config(), clock)) {
            // what userspace wrote to /dev/pmsg0 in that boot, and the console it printed
            engine.append(RecordType.PMSG, bytes("hello pmsg from userspace boot1\n"));
            engine.append(RecordType.PMSG, bytes("second pmsg line\n"));
            byte[] console = Files.readAllBytes(expected.dir().resolve("files/console-pstore_blk-0"));
            for (int at = 0; at < console.length; at += 100) {
                engine.append(RecordType.CONSOLE, Arrays.copyOfRange(console, at, Math.min(console.length, at + 100)));
            }
        }
        assertArrayEquals(Arrays.copyOf(linux, 2 * 65536), Arrays.copyOf(fresh.bytes, 2 * 65536));
    }

    @Test
    void thePreviousRunIsShownAndTheRingRestarts() throws Exception {
        try (ZoneEngine engine = open()) {
            assertEquals(WriteStatus.STORED, engine.append(RecordType.PMSG, bytes("first run\n")));
            assertTrue(engine.records().isEmpty(), "this run's ring is not a record yet");
        }
        try (ZoneEngine engine = open()) {
            assertEquals(List.of("pmsg-pstore_blk-0"), engine.records().stream().map(PstoreRecord::name).toList());
            assertEquals(clock.now, engine.records().get(0).time());
            engine.append(RecordType.PMSG, bytes("second run\n"));
            assertEquals("first run\n", new String(engine.read("pmsg-pstore_blk-0"), US_ASCII),
                    "the previous run's record stays readable after this run overwrote the zone");
        }
        try (ZoneEngine engine = open()) {
            assertEquals("second run\n", new String(engine.read("pmsg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void wrapAroundKeepsTheNewestBytesOldestFirst() throws Exception {
        StringBuilder all = new StringBuilder();
        try (ZoneEngine engine = open()) {
            for (int i = 0; i < 100; i++) {
                String line = "console line " + i + "\n";
                all.append(line);
                engine.append(RecordType.CONSOLE, bytes(line));
            }
        }
        ByteBuffer h = ZoneFormat.le(device.bytes);
        assertEquals(CAPACITY, h.getInt(ZONE + 4), "datalen is the capacity once wrapped");
        int start = h.getInt(ZONE + 8);
        assertEquals(all.length() % CAPACITY, start, "start is the oldest byte");
        try (ZoneEngine engine = open()) {
            String shown = new String(engine.read("console-pstore_blk-0"), US_ASCII);
            assertEquals(all.substring(all.length() - CAPACITY), shown);
        }
    }

    @Test
    void aWriteLargerThanTheRingKeepsItsEnd() throws Exception {
        byte[] big = new byte[3 * CAPACITY + 7];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        try (ZoneEngine engine = open()) {
            engine.append(RecordType.PMSG, bytes("abc"));
            engine.append(RecordType.PMSG, big);
        }
        try (ZoneEngine engine = open()) {
            assertArrayEquals(Arrays.copyOfRange(big, big.length - CAPACITY, big.length), engine.read("pmsg-pstore_blk-0"));
        }
    }

    @Test
    void aWriteEndingExactlyAtTheEndLeavesStartAtTheCapacityAsLinuxDoes() throws Exception {
        byte[] fill = new byte[CAPACITY];
        Arrays.fill(fill, (byte) 'a');
        try (ZoneEngine engine = open()) {
            engine.append(RecordType.PMSG, fill);
            assertEquals(CAPACITY, ZoneFormat.le(device.bytes).getInt(8));
        }
        try (ZoneEngine engine = open()) {
            assertArrayEquals(fill, engine.read("pmsg-pstore_blk-0"));
            engine.append(RecordType.PMSG, fill);
            engine.append(RecordType.PMSG, bytes("xyz"));
        }
        try (ZoneEngine engine = open()) {
            byte[] expected = fill.clone();
            System.arraycopy(bytes("xyz"), 0, expected, CAPACITY - 3, 3);
            assertArrayEquals(expected, engine.read("pmsg-pstore_blk-0"));
        }
    }

    @Test
    void resumedRingsContinueThePreviousRunAcrossTheWrap() throws Exception {
        StringBuilder all = new StringBuilder();
        for (int run = 0; run < 30; run++) {
            try (ZoneEngine engine = open()) {
                engine.resumeRings();
                String line = "run " + run + " " + "x".repeat(run * 3) + "\n";
                all.append(line);
                engine.append(RecordType.PMSG, bytes(line));
            }
        }
        try (ZoneEngine engine = open()) {
            assertEquals(all.substring(Math.max(0, all.length() - CAPACITY)),
                    new String(engine.read("pmsg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void eraseHidesThePreviousRunWhenNothingNewWasWritten() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.append(RecordType.PMSG, bytes("old"));
        }
        try (ZoneEngine engine = open()) {
            engine.erase("pmsg-pstore_blk-0");
            assertTrue(engine.records().isEmpty());
            assertThrows(NoSuchRecordException.class, () -> engine.read("pmsg-pstore_blk-0"));
            assertEquals(0, ZoneFormat.le(device.bytes).getInt(4));
        }
        try (ZoneEngine engine = open()) {
            assertTrue(engine.records().isEmpty());
        }
    }

    @Test
    void eraseAfterNewWritesKeepsThem() throws Exception {
        try (ZoneEngine engine = open()) {
            engine.append(RecordType.PMSG, bytes("old"));
        }
        try (ZoneEngine engine = open()) {
            engine.append(RecordType.PMSG, bytes("new"));
            engine.erase("pmsg-pstore_blk-0");
            assertTrue(engine.records().isEmpty());
        }
        try (ZoneEngine engine = open()) {
            assertEquals("new", new String(engine.read("pmsg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void startBeyondDatalenIsReportedNotRead() throws Exception {
        // start past datalen: Linux would read datalen - start bytes, a negative length
        ZoneFormat.putHeader(ZoneFormat.le(device.bytes), 0, ZoneFormat.signature(RecordType.PMSG), 10, 500);
        try (ZoneEngine engine = open()) {
            assertTrue(engine.records().isEmpty());
            assertTrue(engine.problems().get(0).contains("start 500 is past datalen 10"), engine.problems().toString());
            assertEquals(WriteStatus.STORED, engine.append(RecordType.PMSG, bytes("fresh")), "the zone is still usable");
        }
    }

    @Test
    void negativeOrHugeLengthsAreReportedNotRead() throws Exception {
        // datalen and start are signed on disk: negative or huge values are lengths beyond the zone
        for (int[] bad : new int[][] {{-1, 0}, {0x7fffffff, 0}, {CAPACITY + 1, 0}, {20, -4}, {CAPACITY, CAPACITY + 1}}) {
            ZoneFormat.putHeader(ZoneFormat.le(device.bytes), 0, ZoneFormat.signature(RecordType.PMSG), bad[0], bad[1]);
            try (ZoneEngine engine = open()) {
                assertTrue(engine.records().isEmpty(), Arrays.toString(bad));
                assertEquals(1, engine.problems().size(), Arrays.toString(bad));
            }
        }
    }

    @Test
    void aZoneWithAnotherSignatureIsEmpty() throws Exception {
        ZoneFormat.putHeader(ZoneFormat.le(device.bytes), 0, ZoneFormat.signature(RecordType.CONSOLE), 3, 3);
        try (ZoneEngine engine = open()) {
            assertTrue(engine.records().isEmpty());
            assertTrue(engine.problems().isEmpty());
        }
    }

    @Test
    void appendToAMissingRingIsAClearError() throws Exception {
        ZoneConfig kmsgOnly = ZoneConfig.of(ZoneLayout.kmsgOnly(4096));
        try (ZoneEngine engine = ZoneEngine.open(device, kmsgOnly, clock)) {
            PstoreException e = assertThrows(PstoreException.class, () -> engine.append(RecordType.PMSG, bytes("x")));
            assertTrue(e.getMessage().contains("no pmsg zone"), e.getMessage());
        }
    }

    @Test
    void appendsTheDeviceCannotTakeWaitAndAreFlushedInOrder() throws Exception {
        StringBuilder all = new StringBuilder();
        try (ZoneEngine engine = open()) {
            engine.append(RecordType.CONSOLE, bytes("before\n"));
            all.append("before\n");
            device.failWrites = true;
            for (int i = 0; i < 150; i++) {
                String line = "while down " + i + "\n";
                all.append(line);
                assertEquals(WriteStatus.PENDING, engine.append(RecordType.CONSOLE, bytes(line)));
            }
            assertEquals(1, engine.dirtyZoneCount());
            assertThrows(PstoreException.class, engine::close, "closing with unwritable data says so");
        }
        try (ZoneEngine engine = open()) {
            assertEquals("before\n", new String(engine.read("console-pstore_blk-0"), US_ASCII),
                    "what did reach the device is intact");
        }
        device.failWrites = false;
        try (ZoneEngine engine = open()) {
            device.failWrites = true;
            all.setLength(0);
            for (int i = 0; i < 150; i++) {
                String line = "while down " + i + "\n";
                all.append(line);
                engine.append(RecordType.CONSOLE, bytes(line));
            }
            device.failWrites = false;
            assertTrue(engine.flush());
        }
        try (ZoneEngine engine = open()) {
            assertEquals(all.substring(all.length() - CAPACITY), new String(engine.read("console-pstore_blk-0"), US_ASCII));
        }
    }
}
