package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;

/**
 * A workload of kmsg dumps, panics, ring appends and erases, run against an engine whose device may
 * lose power, and what it allows to be found afterwards: every record whose write returned (and was
 * not overwritten or erased since) intact; for a write that did not return, the old record, the new
 * one or none (a torn record is reported damaged, not shown); nothing else. A kmsg record must also
 * carry its write's reason and counter: the model counts oops and panics itself, from a blank
 * partition (every dump and panic takes the next counter, whether its write returns or not). Rings
 * must be sized so that the workload does not wrap them.
 */
public final class WorkloadModel {

    public sealed interface Action permits Dump, Panic, Append, Erase {
    }

    public record Dump(String text, boolean compress) implements Action {
    }

    public record Panic(String text) implements Action {
    }

    public record Append(RecordType type, String text) implements Action {
    }

    public record Erase(int pick) implements Action {
    }

    /** A kmsg write as the model expects to find it. */
    record Kmsg(String text, DumpReason reason, long counter, boolean compress) {
    }

    private static final Pattern TOTAL = Pattern.compile("^(\\w+): Total (\\d+) times\n");

    private final ZoneLayout layout;
    private final Map<Integer, Kmsg> stored = new HashMap<>();
    private final Map<Integer, Set<Kmsg>> uncertain = new HashMap<>();
    private long oopsCounter;
    private long panicCounter;
    private final Map<RecordType, List<String>> attempted = new EnumMap<>(RecordType.class);
    private final Map<RecordType, Integer> confirmed = new EnumMap<>(RecordType.class);
    private long operations;

    public WorkloadModel(ZoneLayout layout) {
        this.layout = layout;
    }

    /** A deterministic mixed workload of {@code n} actions. */
    public static List<Action> script(int n, long seed) {
        Random random = new Random(seed);
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String text = ("<4>[" + i + "] line " + random.nextInt(1000) + " " + "x".repeat(random.nextInt(80)) + "\n")
                    .repeat(1 + random.nextInt(60));
            actions.add(switch (random.nextInt(10)) {
                case 0, 1, 2 -> new Dump(text, random.nextBoolean());
                case 3 -> new Panic(text);
                case 4, 5 -> new Append(RecordType.PMSG, "pmsg " + i + "\n");
                case 6, 7 -> new Append(RecordType.CONSOLE, "console " + i + " " + "y".repeat(random.nextInt(40)) + "\n");
                default -> new Erase(random.nextInt(100));
            });
        }
        return actions;
    }

    /**
     * The device gave this zone's record up (NAND frees the next block, the oldest records, to keep
     * a zone free for a panic): it need not be found any more, but may be.
     */
    public void forget(int zone) {
        Kmsg old = stored.remove(zone);
        if (old != null) {
            uncertain.computeIfAbsent(zone, z -> new HashSet<>()).add(old); // an erase cut short may leave it
        }
    }

    /** Operations run so far (over every {@link #run}). */
    public long operations() {
        return operations;
    }

    /** Runs the actions until one does not return; returns whether all did. */
    public boolean run(ZoneEngine engine, List<Action> actions) {
        return run(engine, actions, () -> { });
    }

    /** The same, calling {@code afterEach} after every action (and after the one that failed). */
    public boolean run(ZoneEngine engine, List<Action> actions, Runnable afterEach) {
        for (Action a : actions) {
            operations++;
            boolean ok = step(engine, a);
            afterEach.run();
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private boolean step(ZoneEngine engine, Action a) {
        if (a instanceof Append p) {
            List<String> tried = attempted.computeIfAbsent(p.type(), t -> new ArrayList<>());
            tried.add(p.text());
            if (!returned(() -> engine.append(p.type(), p.text().getBytes(US_ASCII)))) {
                return false;
            }
            confirmed.put(p.type(), tried.size());
            return true;
        }
        if (a instanceof Erase e) {
            if (stored.isEmpty()) {
                return true;
            }
            int zone = new ArrayList<>(stored.keySet()).stream().sorted().toList().get(e.pick() % stored.size());
            Kmsg old = stored.remove(zone);
            if (!returned(() -> {
                engine.erase("dmesg-" + engine.config().backendName() + "-" + zone);
                return WriteStatus.STORED;
            })) {
                uncertain.computeIfAbsent(zone, z -> new HashSet<>()).add(old);
                return false;
            }
            return true;
        }
        Kmsg text = a instanceof Dump d ? new Kmsg(d.text(), DumpReason.OOPS, ++oopsCounter, d.compress())
                : new Kmsg(((Panic) a).text(), DumpReason.PANIC, ++panicCounter, false);
        boolean ok = returned(() -> a instanceof Dump
                ? engine.dump(DumpReason.OOPS, text.text().getBytes(US_ASCII), text.compress())
                : engine.panicDump(DumpReason.PANIC, ByteBuffer.wrap(text.text().getBytes(US_ASCII)), false));
        // the zone it went to: the one before the cursor (a device may have skipped some)
        int zone = Math.floorMod(engine.nextKmsgZone() - 1, engine.kmsgZoneCount());
        Kmsg old = stored.remove(zone);
        Set<Kmsg> before = uncertain.remove(zone);
        if (ok) {
            stored.put(zone, text);
            return true;
        }
        Set<Kmsg> maybe = uncertain.computeIfAbsent(zone, z -> new HashSet<>());
        maybe.add(text);
        if (old != null) {
            maybe.add(old);
        }
        if (before != null) {
            maybe.addAll(before);
        }
        return false;
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

    /** Checks what an engine opened after the cut shows against what the workload allows. */
    public void verify(ZoneEngine reopened) throws PstoreException {
        Map<Integer, ZoneInfo.KmsgHeader> headers = new HashMap<>();
        reopened.describeZones(z -> {
            if (z.zone().type() == RecordType.DMESG && z.state() == ZoneState.RECORD) {
                headers.put(z.zone().index(), z.kmsg());
            }
        });
        Set<Integer> seen = new HashSet<>();
        Set<RecordType> rings = new HashSet<>();
        for (PstoreRecord r : reopened.records()) {
            String shown = new String(reopened.read(r.name()), US_ASCII);
            if (r.type() != RecordType.DMESG) {
                rings.add(r.type());
                verifyRing(r.type(), shown);
                continue;
            }
            int zone = (int) r.id();
            seen.add(zone);
            Set<Kmsg> allowed = new HashSet<>(uncertain.getOrDefault(zone, Set.of()));
            if (stored.containsKey(zone)) {
                allowed.add(stored.get(zone));
            }
            ZoneInfo.KmsgHeader header = headers.get(zone);
            assertTrue(allowed.stream().anyMatch(k -> shows(shown, header, k)),
                    "kmsg zone " + zone + " shows a record that was never written there (text, reason or counter): "
                            + header + "\n" + shown);
        }
        for (int zone : stored.keySet()) {
            assertTrue(seen.contains(zone), "the stored record of kmsg zone " + zone + " is lost");
        }
        for (Map.Entry<RecordType, Integer> c : confirmed.entrySet()) {
            assertTrue(c.getValue() == 0 || rings.contains(c.getKey()), "the " + c.getKey().label() + " record is lost");
        }
    }

    /**
     * What Linux shows for a dump: the text, or its newest part that fits the zone (what is stored,
     * or what Linux can inflate; the workload's texts have no {@code <Reason>#<n> Part<k>} line to keep first), after a "Total" line with the write's reason and counter when
     * stored uncompressed (a write asked to compress may fall back); and its kmsg header, read from
     * the device, carries the same reason and counter.
     */
    private boolean shows(String shown, ZoneInfo.KmsgHeader header, Kmsg k) {
        if (header == null || header.reason() != k.reason().code()
                || Integer.toUnsignedLong(header.counter()) != k.counter()) {
            return false;
        }
        Matcher total = TOTAL.matcher(shown);
        boolean uncompressed = total.lookingAt();
        if (uncompressed && !(total.group(1).equals(k.reason().label()) && total.group(2).equals(Long.toString(k.counter())))) {
            return false;
        }
        if (!uncompressed && !k.compress()) {
            return false;
        }
        String body = uncompressed ? shown.substring(total.end()) : shown;
        if (body.equals(k.text())) {
            return true;
        }
        int cut = uncompressed ? layout.dumpCapacity(false) : layout.dumpCapacity(true);
        return body.length() == cut && k.text().endsWith(body);
    }

    /** The ring shows the appends up to one at least as late as the last that returned. */
    private void verifyRing(RecordType type, String shown) {
        List<String> tried = attempted.getOrDefault(type, List.of());
        int done = confirmed.getOrDefault(type, 0);
        StringBuilder prefix = new StringBuilder();
        for (int k = 0; k <= tried.size(); k++) {
            if (k >= done && shown.equals(prefix.toString())) {
                return;
            }
            if (k < tried.size()) {
                prefix.append(tried.get(k));
            }
        }
        fail(type.label() + " shows " + shown.length() + " bytes that are no state the writes left (" + done
                + " of " + tried.size() + " returned)");
    }
}
