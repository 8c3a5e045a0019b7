package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.zone.internal.ZoneFormat;

/** ftrace: one zone per CPU, shown as one record merged by timestamp, erased on every CPU. */
class FtraceZoneTest {

    final TestClock clock = new TestClock(1_800_000_000L);
    final MemoryDevice device = new MemoryDevice(16384);
    final ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, 0, 0, 8192, 2));

    static byte[] records(int cpu, long... timestamps) {
        ByteBuffer b = ByteBuffer.allocate(timestamps.length * ZoneFormat.FTRACE_RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long ts : timestamps) {
            // struct pstore_ftrace_record: ip, parent_ip, and the timestamp above the CPU in ts
            b.putLong(0xffffffff81000000L + ts).putLong(0xffffffff82000000L + cpu)
                    .putLong(ts << ZoneFormat.FTRACE_TS_CPU_SHIFT | cpu);
        }
        return b.array();
    }

    /**
     * Appends to the zone of one CPU: the engine picks the zone from the writing thread's id, so the
     * append runs on a new thread whose id maps to {@code cpu} of {@code cpus}.
     */
    static void appendOnCpu(ZoneEngine engine, int cpus, int cpu, byte[] records) throws Exception {
        List<Throwable> failure = new java.util.ArrayList<>();
        Thread t;
        do {
            t = new Thread(() -> {
                try {
                    assertEquals(org.pstore.api.WriteStatus.STORED, engine.append(RecordType.FTRACE, records));
                } catch (Throwable e) {
                    failure.add(e);
                }
            });
        } while (Math.floorMod(t.getId(), (long) cpus) != cpu);
        t.start();
        t.join();
        if (!failure.isEmpty()) {
            throw new AssertionError(failure.get(0));
        }
    }

    @Test
    void layoutSplitsTheAreaOverTheCpus() {
        List<Zone> zones = config.layout().ringZones();
        assertEquals(List.of(new Zone(RecordType.FTRACE, 0, 0, 4096), new Zone(RecordType.FTRACE, 1, 4096, 4096)), zones);
        assertEquals(8192, config.layout().kmsgOffset());
    }

    @Test
    void cpusAreMergedByTimestampAndShownAsLinuxShowsThem() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            appendOnCpu(engine, 2, 0, records(0, 10, 30, 50));
            appendOnCpu(engine, 2, 1, records(1, 20, 30, 40));
        }
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            List<PstoreRecord> records = engine.records();
            assertEquals(List.of("ftrace-pstore_blk-0"), records.stream().map(PstoreRecord::name).toList());
            assertEquals(6 * 24, records.get(0).size(), "Linux shows the merged binary size");
            String[] lines = new String(engine.read("ftrace-pstore_blk-0"), US_ASCII).split("\n");
            assertEquals(6, lines.length);
            assertEquals("CPU:0 ts:10 ffffffff8100000a  ffffffff82000000  0xffffffff8100000a <- 0xffffffff82000000", lines[0]);
            assertEquals(List.of("CPU:0 ts:10", "CPU:1 ts:20", "CPU:1 ts:30", "CPU:0 ts:30", "CPU:1 ts:40", "CPU:0 ts:50"),
                    java.util.Arrays.stream(lines).map(l -> l.substring(0, l.indexOf(' ', 6))).toList(),
                    "on equal timestamps the later CPU's record comes first, as in Linux");
        }
    }

    @Test
    void erasingTheMergedRecordClearsEveryCpu() throws Exception {
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            appendOnCpu(engine, 2, 0, records(0, 1));
            appendOnCpu(engine, 2, 1, records(1, 2));
        }
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            engine.erase("ftrace-pstore_blk-0");
            assertThrows(NoSuchRecordException.class, () -> engine.read("ftrace-pstore_blk-0"));
        }
        ByteBuffer b = ZoneFormat.le(device.bytes);
        assertEquals(0, b.getInt(4), "CPU 0 datalen");
        assertEquals(0, b.getInt(4096 + 4), "CPU 1 datalen (Linux leaves it)");
        try (ZoneEngine engine = ZoneEngine.open(device, config, clock)) {
            assertTrue(engine.records().isEmpty());
        }
    }
}
