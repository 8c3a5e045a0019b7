package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.DumpReason;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.driver.file.FileDevice;

/**
 * Many threads writing kmsg, pmsg and console records while others list, read and erase, on the
 * file device: every record is accounted for (present, or erased by the eraser that read it) and
 * every header is consistent afterwards. {@code -Dpstore.reliability.scale=N} writes N times more.
 */
class ConcurrencyTest {

    static final int SCALE = Integer.getInteger("pstore.reliability.scale", 1);

    @TempDir
    Path dir;

    @Test
    void writersReadersAndErasersTogether() throws Exception {
        int dumpsPerWriter = 40 * SCALE;
        int linesPerWriter = 200 * SCALE;
        // enough kmsg zones that none is written twice, so an erased zone is never rewritten
        long size = (1L << 20) * SCALE;
        ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, 65536 * SCALE, 65536 * SCALE, 0, 1));
        Path image = dir.resolve("load.img");
        Map<String, String> erased = new ConcurrentHashMap<>();
        Set<String> written = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicLong writes = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (FileDevice device = FileDevice.openOrCreate(image, size);
             ZoneEngine engine = ZoneEngine.open(device, config)) {
            List<Thread> writers = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int w = 0; w < 3; w++) {
                int id = w;
                writers.add(thread(failures, go, () -> {
                    for (int i = 0; i < dumpsPerWriter; i++) {
                        String text = "dump " + id + "/" + i + "\n" + ("<6>[" + i + "] filler line\n").repeat(i % 50);
                        WriteStatus s = engine.dump(DumpReason.OOPS, text.getBytes(US_ASCII), i % 2 == 0);
                        assertEquals(WriteStatus.STORED, s);
                        written.add(text);
                        writes.incrementAndGet();
                    }
                }));
            }
            for (RecordType type : List.of(RecordType.PMSG, RecordType.CONSOLE)) {
                for (int w = 0; w < 2; w++) {
                    int id = w;
                    writers.add(thread(failures, go, () -> {
                        for (int i = 0; i < linesPerWriter; i++) {
                            assertEquals(WriteStatus.STORED,
                                    engine.append(type, (type.label() + " " + id + "/" + i + "\n").getBytes(US_ASCII)));
                            writes.incrementAndGet();
                        }
                    }));
                }
            }
            List<Thread> others = new ArrayList<>();
            others.add(thread(failures, go, () -> {
                while (writing.get()) {
                    for (PstoreRecord r : engine.records()) {
                        try {
                            engine.read(r.name());
                            reads.incrementAndGet();
                        } catch (NoSuchRecordException erasedMeanwhile) {
                            // listed, then erased by the eraser: fine
                        }
                    }
                }
            }));
            others.add(thread(failures, go, () -> {
                int n = 0;
                while (writing.get()) {
                    List<PstoreRecord> records = engine.records();
                    if (!records.isEmpty() && n++ % 3 == 0) {
                        PstoreRecord victim = records.get(n % records.size());
                        if (victim.type() == RecordType.DMESG) {
                            String text = new String(engine.read(victim.name()), US_ASCII);
                            engine.erase(victim.name());
                            erased.put(victim.name(), text);
                        }
                    }
                    Thread.onSpinWait();
                }
            }));
            go.countDown();
            for (Thread t : writers) {
                t.join();
            }
            writing.set(false);
            for (Thread t : others) {
                t.join();
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());

        try (FileDevice device = FileDevice.open(image, true); ZoneEngine engine = ZoneEngine.open(device, config)) {
            Set<String> found = new HashSet<>();
            Set<RecordType> rings = new HashSet<>();
            for (PstoreRecord r : engine.records()) {
                String shown = new String(engine.read(r.name()), US_ASCII);
                if (r.type() == RecordType.DMESG) {
                    found.add(shown.replaceFirst("^Oops: Total \\d+ times\n", ""));
                } else {
                    rings.add(r.type());
                    List<String> lines = shown.lines().toList();
                    assertEquals(2 * linesPerWriter, lines.size(), r.name());
                    assertEquals(2 * linesPerWriter, new HashSet<>(lines).size(), "every line once, whole: " + r.name());
                }
            }
            for (String e : erased.values()) {
                found.add(e.replaceFirst("^Oops: Total \\d+ times\n", ""));
            }
            assertEquals(Set.of(RecordType.PMSG, RecordType.CONSOLE), rings, "both ring records are listed");
            assertEquals(written, found, "every dump present or erased after it was read");
            List<ZoneInfo> zones = new ArrayList<>();
            engine.describeZones(zones::add);
            assertTrue(zones.stream().allMatch(z -> Set.of(ZoneState.RECORD, ZoneState.EMPTY, ZoneState.ERASED).contains(z.state())),
                    "headers consistent");
            assertTrue(engine.problems().isEmpty(), engine.problems().toString());
        }
        System.out.println("load: " + writes.get() + " writes (" + 3 * dumpsPerWriter + " dumps, " + 4 * linesPerWriter
                + " ring appends) by 7 threads while 2 others read " + reads.get() + " records and erased "
                + erased.size() + "; records lost or invented: 0");
    }

    interface Body {
        void run() throws Exception;
    }

    static Thread thread(List<Throwable> failures, CountDownLatch go, Body body) {
        Thread t = new Thread(() -> {
            try {
                go.await();
                body.run();
            } catch (Throwable e) {
                failures.add(e);
            }
        });
        t.start();
        return t;
    }
}
