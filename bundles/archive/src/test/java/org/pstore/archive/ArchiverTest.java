package org.pstore.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pstore.api.PstoreRecord;
import org.pstore.api.archive.ArchiveRun;
import org.pstore.api.archive.Crash;
import org.pstore.zone.ZoneEngine;

/** The archive over the real engine's records and a file system that loses what was not forced. */
class ArchiverTest {

    static final Path DIR = Path.of("/data/archive");

    /** The partition's records, erases counted as steps of the same power cut as the file system's. */
    static RecordSource source(ZoneEngine engine, PowerCutFs fs) {
        RecordSource pstore = new PstoreSource(engine, () -> "memory");
        return new RecordSource() {
            @Override
            public String device() {
                return pstore.device();
            }

            @Override
            public List<Entry> records() throws IOException {
                return pstore.records();
            }

            @Override
            public byte[] read(Entry record) throws IOException {
                return pstore.read(record);
            }

            @Override
            public void erase(Entry record) throws IOException {
                fs.step();
                pstore.erase(record);
            }
        };
    }

    static Archiver archiver(PowerCutFs fs, Partition p, Archiver.Limits limits, List<Crash> events) {
        return new Archiver(DIR, fs, true, limits, p.clock, events::add);
    }

    /** Every record file of every crash folder, by record name: how often each set of bytes is there. */
    static void assertArchivedOnce(Map<String, byte[]> expected, PowerCutFs fs) {
        assertArchivedOnce(expected, fs, "");
    }

    static void assertArchivedOnce(Map<String, byte[]> expected, PowerCutFs fs, String when) {
        Map<String, byte[]> tree = fs.tree(DIR);
        for (String path : tree.keySet()) {
            assertFalse(path.startsWith("."), "a leftover: " + path);
        }
        for (Map.Entry<String, byte[]> record : expected.entrySet()) {
            long copies = tree.entrySet().stream()
                    .filter(f -> f.getKey().endsWith("/" + record.getKey()) && Arrays.equals(f.getValue(), record.getValue()))
                    .count();
            assertEquals(1, copies, record.getKey() + " archived once, byte for byte " + when + ": " + tree.keySet());
        }
        long recordFiles = tree.keySet().stream().filter(f -> f.matches("[^/]+/(dmesg|console|pmsg)-pstore_blk-\\d+")).count();
        assertEquals(expected.size(), recordFiles, "no record archived that was not on the partition: " + tree.keySet());
    }

    @Test
    void aPowerCutAtEveryStepLosesAndDoublesNothing() throws Exception {
        Partition template = new Partition(64 << 10);
        template.run(0, "1");
        template.run(5, "2"); // the rings of run 2, five dumps
        Map<String, byte[]> expected = template.records();
        assertEquals(7, expected.size(), expected.keySet().toString());

        int cuts = 0;
        long steps = 0;
        for (int at = 1; ; at++) {
            Partition p = template.copy();
            PowerCutFs fs = new PowerCutFs();
            fs.cutAfter(at);
            boolean cut = false;
            ZoneEngine engine = p.open();
            Partition afterCut;
            try {
                archiver(fs, p, Archiver.Limits.NONE, new ArrayList<>()).archive(List.of(source(engine, fs)));
            } catch (PowerCutFs.PowerCut expectedCut) {
                cut = true;
            }
            afterCut = p.copy(); // the partition as the cut left it: every erase that returned is on it
            engine.close();
            if (!cut) {
                steps = fs.operations();
                break;
            }
            cuts++;
            fs.afterCut();
            try (ZoneEngine reopened = afterCut.open()) {
                ArchiveRun run = archiver(fs, afterCut, Archiver.Limits.NONE, new ArrayList<>())
                        .archive(List.of(source(reopened, fs)));
                assertEquals(List.of(), run.skipped());
            }
            assertArchivedOnce(expected, fs, "after the cut at step " + at);
            assertEquals(Map.of(), afterCut.records(), "the partition is empty after the cut at step " + at);
        }
        System.out.printf("archive power cuts: %d cuts at every step of a run of %d steps (7 records, 5 crashes);"
                + " records lost: 0, archived twice: 0%n", cuts, steps);
        assertTrue(cuts >= 40, "a cut at each write, force, rename, folder force and erase: " + cuts);
    }

    @Test
    void aPowerCutWhileALimitRemovesCrashesLeavesNoHalfFolder() throws Exception {
        Partition template = new Partition(64 << 10);
        template.run(5, "1");
        Map<String, byte[]> all = template.records();
        // the oracle: the engine's own times; the two newest dumps stay, the rings go with the newest
        List<String> kept = new ArrayList<>(template.listing().stream().filter(r -> r.name().startsWith("dmesg"))
                .sorted(Comparator.comparing(PstoreRecord::time)).map(PstoreRecord::name).skip(3).toList());
        kept.addAll(List.of("console-pstore_blk-0", "pmsg-pstore_blk-0"));
        Map<String, byte[]> expected = new LinkedHashMap<>(all);
        expected.keySet().retainAll(kept);
        Archiver.Limits two = new Archiver.Limits(Duration.ZERO, 0, 2);
        int cuts = 0;
        for (int at = 1; ; at++) {
            Partition p = template.copy();
            PowerCutFs fs = new PowerCutFs();
            fs.cutAfter(at);
            boolean cut = false;
            try (ZoneEngine engine = p.open()) {
                archiver(fs, p, two, new ArrayList<>()).archive(List.of(source(engine, fs)));
            } catch (PowerCutFs.PowerCut expectedCut) {
                cut = true;
            }
            fs.afterCut();
            try (ZoneEngine reopened = p.open()) {
                archiver(fs, p, two, new ArrayList<>()).archive(List.of(source(reopened, fs)));
            }
            assertArchivedOnce(expected, fs, "after the cut at step " + at);
            assertEquals(Map.of(), p.records());
            if (!cut) {
                break;
            }
            cuts++;
        }
        System.out.printf("archive power cuts with max.count 2: %d cuts; folders left half-removed: 0%n", cuts);
    }

    @Test
    void withoutUnlinkACrashIsArchivedOnceEvenAfterALimitRemovedIt() throws Exception {
        Partition p = new Partition(64 << 10);
        p.run(4, "1");
        PowerCutFs fs = new PowerCutFs();
        List<Crash> events = new ArrayList<>();
        Archiver keep = new Archiver(DIR, fs, false, new Archiver.Limits(Duration.ZERO, 0, 2), p.clock, events::add);
        for (int start = 0; start < 3; start++) {
            try (ZoneEngine e = p.open()) {
                keep.archive(List.of(source(e, fs)));
            }
        }
        assertEquals(4, events.size(), "each crash once over three starts: " + events);
        assertEquals(2, keep.crashes().size());
        assertEquals(6, p.records().size(), "records stay where unlink is false");
    }

    @Test
    void aFullDiskLeavesTheRecordsAndTheNextRunArchivesThem() throws Exception {
        Partition p = new Partition(64 << 10);
        p.run(3, "1");
        Map<String, byte[]> expected = p.records();
        PowerCutFs fs = new PowerCutFs();
        fs.full(100);
        List<Crash> events = new ArrayList<>();
        ArchiveRun full;
        try (ZoneEngine e = p.open()) {
            full = archiver(fs, p, Archiver.Limits.NONE, events).archive(List.of(source(e, fs)));
        }
        assertEquals(List.of(), full.archived());
        assertEquals(3, full.skipped().size(), full.skipped().toString());
        assertTrue(full.skipped().get(0).contains("No space left on device"), full.skipped().get(0));
        assertEquals(expected.keySet(), p.records().keySet(), "nothing erased that was not archived");
        assertEquals(List.of(), fs.list(DIR), "no half-written folder");

        fs.full(Long.MAX_VALUE);
        try (ZoneEngine e = p.open()) {
            ArchiveRun retried = archiver(fs, p, Archiver.Limits.NONE, events).archive(List.of(source(e, fs)));
            assertEquals(3, retried.archived().size());
        }
        assertArchivedOnce(expected, fs);
        assertEquals(3, events.size(), "an event per crash");
        assertEquals(Map.of(), p.records());
    }

    @Test
    void limitsHoldOver1000CrashesAndNeverDropTheNewest() throws Exception {
        Partition p = new Partition(1 << 20);
        PowerCutFs fs = new PowerCutFs();
        Archiver.Limits limits = new Archiver.Limits(Duration.ZERO, 0, 50);
        List<Crash> events = new ArrayList<>();
        for (int run = 0; run < 100; run++) {
            p.run(10, Integer.toString(run));
            try (ZoneEngine e = p.open()) {
                archiver(fs, p, limits, events).archive(List.of(source(e, fs)));
            }
            List<Crash> held = archiver(fs, p, limits, events).crashes();
            assertTrue(held.size() <= 50, held.size() + " crashes held");
            // the newest of all, by the events' own order, is held
            assertEquals(events.get(events.size() - 1).id(), held.get(0).id());
            List<String> newest50 = events.stream().map(Crash::id).skip(Math.max(0, events.size() - 50)).sorted().toList();
            assertEquals(newest50, held.stream().map(Crash::id).sorted().toList(), "the oldest went first");
        }
        int archivedIn100Runs = events.size();
        assertEquals(1000, archivedIn100Runs, "every crash archived");

        // bytes: a limit below the newest crash's own size keeps it alone
        Archiver tiny = new Archiver(DIR, fs, true, new Archiver.Limits(Duration.ZERO, 1, 0), p.clock, c -> { });
        p.run(1, "last");
        try (ZoneEngine e = p.open()) {
            tiny.archive(List.of(source(e, fs)));
        }
        assertEquals(1, tiny.crashes().size());
        assertTrue(tiny.crashes().get(0).size() > 1);

        // age: everything older than a day goes, the newest stays however old
        p.clock.advance(Duration.ofDays(30));
        Archiver aged = new Archiver(DIR, fs, true, new Archiver.Limits(Duration.ofDays(1), 0, 0), p.clock, c -> { });
        p.run(2, "later");
        try (ZoneEngine e = p.open()) {
            aged.archive(List.of(source(e, fs)));
        }
        assertEquals(2, aged.crashes().size(), "the 2 crashes of the last run; the older ones went");
        System.out.printf("archive limits: %d crashes archived in 100 runs, at most 50 held after every run (max.count 50),"
                + " exactly the newest; the newest kept alone over max.bytes; max.age 1d keeps only the last run%n", archivedIn100Runs);
    }

    @Test
    void aHostileIdFindsNothing() throws Exception {
        PowerCutFs fs = new PowerCutFs();
        Partition p = new Partition(64 << 10);
        Archiver a = archiver(fs, p, Archiver.Limits.NONE, new ArrayList<>());
        for (String id : List.of("..", "../etc", "/etc/passwd", ".tmp-x", "a/../../b", "", "x\ny")) {
            assertTrue(a.crash(id).isEmpty(), id);
        }
    }
}
