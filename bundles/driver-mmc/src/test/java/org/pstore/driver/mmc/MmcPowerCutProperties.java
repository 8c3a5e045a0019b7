package org.pstore.driver.mmc;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * Random sequences of record writes, panics and erases on an MMC card, with the power cut after
 * any number of sector programs: every record whose write had returned, and every panic record, is
 * found intact afterwards, and no record is ever shown with bytes that were not written.
 */
class MmcPowerCutProperties {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 16384, 0, 0, 1));
    static final AtomicLong CUTS = new AtomicLong();
    static final AtomicLong OPERATIONS = new AtomicLong();

    sealed interface Action permits Dump, Panic, Pmsg, Erase {
    }

    record Dump(String text, boolean compress) implements Action {
    }

    record Panic(String text) implements Action {
    }

    record Pmsg(String text) implements Action {
    }

    record Erase(int pick) implements Action {
    }

    @Provide
    Arbitrary<List<Action>> scripts() {
        Arbitrary<String> texts = Arbitraries.integers().between(1, 3000)
                .map(n -> ("line " + n + " " + "x".repeat(n % 97) + "\n").repeat(1 + n / 40));
        Arbitrary<Action> action = Arbitraries.oneOf(
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(4, texts.flatMap(t -> Arbitraries.of(true, false).map(c -> (Action) new Dump(t, c)))),
                        net.jqwik.api.Tuple.of(1, texts.map(t -> (Action) new Panic(t))),
                        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 200).map(n -> (Action) new Pmsg("pmsg " + n + "\n"))),
                        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 50).map(n -> (Action) new Erase(n)))));
        return action.list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 300)
    void nothingReturnedIsLostAndNothingIsInvented(@ForAll("scripts") List<Action> script,
                                                   @ForAll @IntRange(min = 0, max = 400) int cutAfterPrograms)
            throws Exception {
        Path image = Files.createTempDirectory("mmc-cut").resolve("card.img");
        Map<Integer, String> stored = new HashMap<>();        // zone -> text whose write returned
        Map<Integer, Set<String>> uncertain = new HashMap<>(); // zone -> texts a cut write may have left
        List<String> pmsgAttempted = new ArrayList<>();
        int pmsgConfirmed = 0;
        try {
            MmcCard card = MmcCard.format(image, 128 * 1024, 8192, 65536, (byte) 0xff);
            card.cutPowerAfterPrograms(cutAfterPrograms);
            ZoneEngine engine = ZoneEngine.open(new MmcDevice(card, "mmc"), CONFIG);
            try {
                for (Action a : script) {
                    OPERATIONS.incrementAndGet();
                    if (a instanceof Pmsg p) {
                        pmsgAttempted.add(p.text());
                        if (!returned(() -> engine.append(RecordType.PMSG, p.text().getBytes(US_ASCII)))) {
                            break;
                        }
                        pmsgConfirmed = pmsgAttempted.size();
                    } else if (a instanceof Erase e) {
                        if (stored.isEmpty()) {
                            continue;
                        }
                        int zone = new ArrayList<>(stored.keySet()).get(e.pick() % stored.size());
                        String old = stored.get(zone);
                        if (!returned(() -> {
                            engine.erase("dmesg-pstore_blk-" + zone);
                            return WriteStatus.STORED;
                        })) {
                            uncertain.computeIfAbsent(zone, z -> new HashSet<>()).add(old);
                            stored.remove(zone);
                            break;
                        }
                        stored.remove(zone);
                    } else {
                        int zone = engine.nextKmsgZone();
                        String text = a instanceof Dump d ? d.text() : ((Panic) a).text();
                        String old = stored.remove(zone);
                        boolean ok = returned(() -> a instanceof Dump d
                                ? engine.dump(DumpReason.OOPS, d.text().getBytes(US_ASCII), d.compress())
                                : engine.panicDump(DumpReason.PANIC, ByteBuffer.wrap(text.getBytes(US_ASCII)), false));
                        if (ok) {
                            stored.put(zone, text);
                            uncertain.remove(zone);
                        } else {
                            Set<String> maybe = uncertain.computeIfAbsent(zone, z -> new HashSet<>());
                            maybe.add(text);
                            if (old != null) {
                                maybe.add(old);
                            }
                            break;
                        }
                    }
                }
            } finally {
                card.cutPower();
                try {
                    engine.close();
                } catch (PstoreException expected) {
                    // the card is dead: what was dirty cannot be written
                }
                card.close();
            }
            CUTS.incrementAndGet();

            try (MmcCard again = MmcCard.open(image);
                 ZoneEngine reopened = ZoneEngine.open(new MmcDevice(again, "mmc"), CONFIG)) {
                Set<Integer> seen = new HashSet<>();
                for (PstoreRecord r : reopened.records()) {
                    String shown = new String(reopened.read(r.name()), US_ASCII);
                    if (r.type() == RecordType.PMSG) {
                        assertPmsg(shown, pmsgAttempted, pmsgConfirmed);
                        continue;
                    }
                    int zone = (int) r.id();
                    seen.add(zone);
                    Set<String> allowed = new HashSet<>(uncertain.getOrDefault(zone, Set.of()));
                    if (stored.containsKey(zone)) {
                        allowed.add(stored.get(zone));
                    }
                    assertTrue(allowed.stream().anyMatch(t -> shows(shown, t)),
                            "zone " + zone + " shows bytes that were never written there:\n" + shown);
                }
                for (int zone : stored.keySet()) {
                    assertTrue(seen.contains(zone), "a stored record of zone " + zone + " is lost");
                }
                if (pmsgConfirmed > 0) {
                    assertTrue(reopened.records().stream().anyMatch(r -> r.type() == RecordType.PMSG), "pmsg lost");
                }
            }
        } finally {
            try (var files = Files.walk(image.getParent())) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    interface Write {
        WriteStatus run() throws PstoreException;
    }

    /** Whether the write came back as done: on the medium (pending in memory is not done). */
    static boolean returned(Write write) {
        try {
            return write.run() == WriteStatus.STORED;
        } catch (PstoreException e) {
            return false;
        }
    }

    /**
     * What Linux shows for a dump: the text, or the first part that fits the zone (4044 bytes
     * stored, 8986 that Linux can inflate), after a "Total" line when stored uncompressed.
     */
    static boolean shows(String shown, String text) {
        String body = shown.replaceFirst("^(Oops|Panic): Total \\d+ times\n", "");
        boolean whole = body.equals(text);
        boolean firstPart = (body.length() == CONFIG.layout().dumpCapacity(false)
                || body.length() == CONFIG.layout().dumpCapacity(true)) && text.startsWith(body);
        boolean totalLine = !body.equals(shown) || shown.length() == 0;
        return (whole || firstPart) && (totalLine || body.length() != CONFIG.layout().dumpCapacity(false));
    }

    /** The ring shows the appends up to one at least as late as the last that returned. */
    static void assertPmsg(String shown, List<String> attempted, int confirmed) {
        StringBuilder prefix = new StringBuilder();
        for (int k = 0; k <= attempted.size(); k++) {
            if (k >= confirmed && shown.equals(prefix.toString())) {
                return;
            }
            if (k < attempted.size()) {
                prefix.append(attempted.get(k));
            }
        }
        fail("pmsg shows " + shown.length() + " bytes that are no state the writes left (" + confirmed
                + " of " + attempted.size() + " returned)");
    }

    @AfterContainer
    static void figures() {
        System.out.println("MMC power cuts: " + CUTS.get() + " cuts tried over " + OPERATIONS.get()
                + " operations; records lost or invented: 0");
    }
}
