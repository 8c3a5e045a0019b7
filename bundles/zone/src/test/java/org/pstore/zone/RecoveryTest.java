package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pstore.api.DumpReason;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.zone.internal.ZoneFormat;

/** Recovery happens on open, and a zone that is unreadable or damaged never stops the others. */
class RecoveryTest {

    static final int ZONE = 4096;
    final TestClock clock = new TestClock(1_800_000_000L);
    final MemoryDevice device = new MemoryDevice(8 * ZONE);
    final ZoneConfig config = ZoneConfig.of(new ZoneLayout(ZONE, ZONE, 0, 0, 1));

    void writeFour() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            engine.append(RecordType.PMSG, "pmsg text".getBytes(US_ASCII));
            for (int i = 0; i < 4; i++) {
                clock.advance(1);
                engine.dump(DumpReason.OOPS, ("dump " + i).getBytes(US_ASCII), false);
            }
        }
    }

    @Test
    void recoveryReadsOnlyHeadersAtOpen() throws Exception {
        writeFour();
        device.bytesRead = 0;
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(7L * 52 + 12 + "pmsg text".length(), device.bytesRead,
                    "the kmsg headers of 7 zones, the pmsg header and the pmsg record");
            assertEquals(5, engine.records().size());
        }
    }

    @Test
    void anUnreadableKmsgZoneIsReportedSkippedAndNotOverwritten() throws Exception {
        writeFour();
        device.failReadsFrom = 2 * ZONE; // kmsg zone 1
        device.failReadsTo = 2 * ZONE + 1;
        device.writes.clear();
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(List.of("pmsg-pstore_blk-0", "dmesg-pstore_blk-0", "dmesg-pstore_blk-2", "dmesg-pstore_blk-3"),
                    engine.records().stream().map(PstoreRecord::name).toList());
            assertEquals(1, engine.problems().size());
            assertTrue(engine.problems().get(0).startsWith("kmsg zone 1 at 8192 could not be read"), engine.problems().get(0));
            for (int i = 0; i < 6; i++) {
                clock.advance(1);
                assertEquals(WriteStatus.STORED, engine.dump(DumpReason.OOPS, ("new " + i).getBytes(US_ASCII), false));
            }
            assertTrue(device.writes.stream().noneMatch(w -> w[0] == 2 * ZONE), "zone 1 never written");
        }
    }

    @Test
    void anUnreadableRingZoneDoesNotStopTheKmsgZones() throws Exception {
        writeFour();
        device.failReadsFrom = 0;
        device.failReadsTo = 1;
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(4, engine.records().size());
            assertTrue(engine.problems().get(0).contains("pmsg zone at 0 could not be recovered"), engine.problems().toString());
            assertEquals(WriteStatus.STORED, engine.append(RecordType.PMSG, "still flushing".getBytes(US_ASCII)));
        }
    }

    @Test
    void aKmsgDatalenShorterThanItsHeaderIsNotRead() throws Exception {
        // a kmsg datalen below the 40-byte kmsg header: Linux subtracts the header size and runs over its buffer
        writeFour();
        ByteBuffer b = ZoneFormat.le(device.bytes);
        b.putInt(ZONE + 4, 39);
        b.putInt(2 * ZONE + 4, 1);
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(List.of("pmsg-pstore_blk-0", "dmesg-pstore_blk-2", "dmesg-pstore_blk-3"),
                    engine.records().stream().map(PstoreRecord::name).toList());
            assertEquals(2, engine.problems().size());
            assertThrows(NoSuchRecordException.class, () -> engine.read("dmesg-pstore_blk-0"));
        }
    }

    @Test
    void aNegativeOrOvertopKmsgDatalenIsNotRead() throws Exception {
        // datalen is signed on disk: a negative one is a huge length, compared as unsigned
        writeFour();
        ByteBuffer b = ZoneFormat.le(device.bytes);
        b.putInt(ZONE + 4, -1);
        b.putInt(2 * ZONE + 4, ZONE - 11);
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(3, engine.records().size());
            assertEquals(2, engine.problems().size(), engine.problems().toString());
        }
    }

    @Test
    void aBadMagicIsNoRecordAndNoCounter() throws Exception {
        writeFour();
        ByteBuffer b = ZoneFormat.le(device.bytes);
        b.putInt(4 * ZONE + 12, 0x12345678); // zone 3, the newest, counter 4
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertEquals(3, engine.oopsCount());
            assertEquals(3, engine.nextKmsgZone(), "the newest valid zone is 2");
            assertEquals(4, engine.records().size());
        }
    }

    @Test
    void describeZonesShowsEveryZoneWithoutWriting() throws Exception {
        writeFour();
        ByteBuffer b = ZoneFormat.le(device.bytes);
        b.putInt(ZONE + 4, 39);
        device.writes.clear();
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            List<ZoneInfo> infos = new java.util.ArrayList<>();
            engine.describeZones(infos::add);
            assertEquals(8, infos.size());
            assertEquals(List.of(ZoneState.RECORD, ZoneState.DAMAGED, ZoneState.RECORD, ZoneState.RECORD,
                    ZoneState.RECORD, ZoneState.EMPTY, ZoneState.EMPTY, ZoneState.EMPTY),
                    infos.stream().map(ZoneInfo::state).toList());
        }
        assertTrue(device.writes.isEmpty());
    }
}
