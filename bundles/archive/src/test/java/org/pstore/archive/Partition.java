package org.pstore.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.zone.MemoryDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/** A pstore partition in memory, run by the real engine: writes of one run, read back by the next. */
final class Partition {

    static final ZoneLayout LAYOUT = new ZoneLayout(4096, 4096, 4096, 0, 1);

    final byte[] bytes;
    final MovingClock clock = new MovingClock();

    Partition(int size) {
        this.bytes = new byte[size];
    }

    private Partition(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The partition as it is now, as the power leaves it. */
    Partition copy() {
        Partition p = new Partition(bytes.clone());
        p.clock.now = clock.now;
        return p;
    }

    ZoneEngine open() throws IOException {
        return ZoneEngine.open(new MemoryDevice(bytes), new ZoneConfig(LAYOUT, DumpReason.SHUTDOWN.code(), "pstore_blk"), clock);
    }

    /** One run that ends with {@code dumps} dumps (oops and panics), a console and a pmsg line. */
    void run(int dumps, String tag) throws IOException {
        try (ZoneEngine e = open()) {
            e.append(RecordType.CONSOLE, ("console of run " + tag + "\n").getBytes(StandardCharsets.UTF_8));
            e.append(RecordType.PMSG, ("pmsg of run " + tag + "\n").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < dumps; i++) {
                clock.now = clock.now.plusSeconds(7);
                DumpReason reason = i % 3 == 2 ? DumpReason.PANIC : DumpReason.OOPS;
                String text = reason.label() + "#" + (i + 1) + " Part1\n<6>[    1.000000] run " + tag + "\n"
                        + "<1>[    2.000000] BUG: crash " + i + " of run " + tag + "\n";
                e.dump(reason, text.getBytes(StandardCharsets.UTF_8), i % 2 == 1);
            }
        }
    }

    /** What the engine shows now: every record's name and bytes (the test's oracle). */
    Map<String, byte[]> records() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZoneEngine e = open()) {
            for (PstoreRecord r : e.records()) {
                out.put(r.name(), e.read(r.name()));
            }
        }
        return out;
    }

    /** The records as the engine lists them, with their times. */
    List<PstoreRecord> listing() throws IOException {
        try (ZoneEngine e = open()) {
            return e.records();
        }
    }

    static final class MovingClock extends Clock {
        Instant now = Instant.parse("2026-11-27T02:44:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
