package org.pstore.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.pstore.api.archive.ArchiveRun;
import org.pstore.api.archive.Crash;

/**
 * Copies records off their sources into one folder per crash, durably and exactly once, and keeps
 * the archive within its limits. Plain Java: the component wires it to OSGi.
 *
 * <p>A crash folder is written under {@code .tmp-ID}, every file forced, the folder forced, then
 * renamed to {@code ID} and the archive folder forced: only then are its records erased. A cut
 * anywhere leaves either no folder (the records are still on the partition and are archived next
 * time), or a complete one whose meta.json names the records it holds (they are recognised next
 * time by name and sha256, erased and not archived again). Leftover {@code .tmp-} and {@code .del-}
 * folders are removed at the start of a run.
 */
public final class Archiver {

    /** The limits; 0 (or a zero duration) is no limit. */
    public record Limits(Duration maxAge, long maxBytes, int maxCount) {
        public static final Limits NONE = new Limits(Duration.ZERO, 0, 0);
    }

    static final String DMESG_TXT = "dmesg.txt";
    static final String TMP = ".tmp-";
    static final String DELETING = ".del-";
    /** Records of crashes a limit removed while the records were still on a partition: not archived again. */
    static final String EVICTED = ".evicted";
    static final int MAX_EVICTED = 10_000;

    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final ArchiveFs fs;
    private final boolean unlink;
    private final Limits limits;
    private final Clock clock;
    private final Consumer<Crash> onArchived;

    public Archiver(Path dir, ArchiveFs fs, boolean unlink, Limits limits, Clock clock, Consumer<Crash> onArchived) {
        this.dir = dir.toAbsolutePath().normalize();
        this.fs = fs;
        this.unlink = unlink;
        this.limits = limits;
        this.clock = clock;
        this.onArchived = onArchived;
    }

    public Path directory() {
        return dir;
    }

    /** A record read off its source. */
    private record Read(RecordSource.Entry entry, byte[] bytes, String sha256) {
        String fingerprint() {
            return Archiver.fingerprint(entry.name(), sha256);
        }
    }

    /** The records that make one crash folder. */
    private record Group(String reason, int counter, List<Read> records) {
        /** The dump's time; the rings' only without one (where the medium keeps none, that is when they were shown). */
        Instant time() {
            List<Read> dumps = records.stream().filter(r -> r.entry().type().equals("dmesg")).toList();
            return (dumps.isEmpty() ? records : dumps).stream().map(r -> r.entry().time())
                    .max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    /**
     * Archives every record of the sources not archived yet, erases what is durable (where
     * configured), then applies the limits. Throws only when the archive folder cannot be used at
     * all; a record that cannot be read, or a crash that cannot be written, is left where it was
     * and named in {@link ArchiveRun#skipped()}.
     */
    public synchronized ArchiveRun archive(List<RecordSource> sources) throws IOException {
        fs.createDirectories(dir);
        removeLeftovers();
        Set<String> known = knownRecords();
        Set<String> taken = new HashSet<>(fs.list(dir));
        List<String> archived = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> remaining = new HashSet<>();
        for (RecordSource source : sources) {
            List<Read> fresh = new ArrayList<>();
            List<RecordSource.Entry> entries;
            try {
                entries = source.records();
            } catch (IOException e) {
                skipped.add(source.device() + ": cannot list its records: " + e.getMessage());
                continue;
            }
            for (RecordSource.Entry e : entries) {
                Read r;
                try {
                    byte[] bytes = source.read(e);
                    r = new Read(e, bytes, sha256(bytes));
                } catch (IOException failed) {
                    skipped.add(source.device() + ": " + e.name() + ": cannot be read: " + failed.getMessage());
                    continue;
                }
                if (known.contains(r.fingerprint())) {
                    erase(source, r, skipped, remaining); // archived before, the erase cut short
                } else {
                    fresh.add(r);
                }
            }
            for (Group g : group(fresh)) {
                Crash crash;
                try {
                    crash = write(g, source, taken);
                } catch (IOException failed) {
                    g.records().forEach(r -> remaining.add(r.fingerprint()));
                    skipped.add(source.device() + ": " + names(g) + ": not archived, left in place: "
                            + failed.getMessage());
                    continue;
                }
                archived.add(crash.id());
                for (Read r : g.records()) {
                    known.add(r.fingerprint());
                    erase(source, r, skipped, remaining);
                }
                onArchived.accept(crash);
            }
        }
        applyLimits(remaining);
        return new ArchiveRun(List.copyOf(archived), List.copyOf(skipped));
    }

    /** The crashes held, newest first. */
    public synchronized List<Crash> crashes() throws IOException {
        if (!fs.isDirectory(dir)) {
            return List.of();
        }
        List<Crash> out = new ArrayList<>();
        for (CrashMeta m : metas()) {
            out.add(crash(m));
        }
        out.sort(Comparator.comparing(Crash::time).thenComparing(Crash::id).reversed());
        return out;
    }

    /** One crash by id; empty for an id that is not one (a hostile one included). */
    public synchronized Optional<Crash> crash(String id) throws IOException {
        if (id == null || !SAFE_ID.matcher(id).matches() || !fs.isDirectory(dir.resolve(id))) {
            return Optional.empty();
        }
        return Optional.of(crash(CrashMeta.parse(fs.read(dir.resolve(id).resolve(CrashMeta.FILE)))));
    }

    private Crash crash(CrashMeta m) throws IOException {
        Path folder = dir.resolve(m.id());
        List<String> files = fs.list(folder);
        long size = m.files().stream().mapToLong(CrashMeta.FileMeta::size).sum()
                + fs.read(folder.resolve(CrashMeta.FILE)).length;
        return new Crash(m.id(), m.time(), m.reason(), m.counter(), size, m.summary(), folder, files, m.archived());
    }

    /** Every crash folder's meta.json; a folder without a readable one is not a crash of ours. */
    private List<CrashMeta> metas() throws IOException {
        List<CrashMeta> out = new ArrayList<>();
        for (String name : fs.list(dir)) {
            Path meta = dir.resolve(name).resolve(CrashMeta.FILE);
            if (SAFE_ID.matcher(name).matches() && fs.isDirectory(dir.resolve(name)) && fs.exists(meta)) {
                try {
                    CrashMeta m = CrashMeta.parse(fs.read(meta));
                    if (m.id().equals(name)) {
                        out.add(m);
                    }
                } catch (IOException e) {
                    // not ours, or damaged by hand: left alone, never removed
                }
            }
        }
        return out;
    }

    private Set<String> knownRecords() throws IOException {
        Set<String> known = new HashSet<>();
        for (CrashMeta m : metas()) {
            m.records().forEach(r -> known.add(fingerprint(r.name(), r.sha256())));
        }
        Path evicted = dir.resolve(EVICTED);
        if (fs.exists(evicted)) {
            new String(fs.read(evicted), StandardCharsets.UTF_8).lines().forEach(known::add);
        }
        return known;
    }

    private void removeLeftovers() throws IOException {
        for (String name : fs.list(dir)) {
            if (name.startsWith(TMP) || name.startsWith(DELETING) || name.equals(EVICTED + TMP)) {
                deleteTree(dir.resolve(name));
            }
        }
    }

    private void deleteTree(Path p) throws IOException {
        if (fs.isDirectory(p)) {
            for (String child : fs.list(p)) {
                deleteTree(p.resolve(child));
            }
        }
        fs.delete(p);
    }

    /** Erases a record whose copy is durable, if it is still the bytes archived. */
    private void erase(RecordSource source, Read r, List<String> skipped, Set<String> remaining) {
        if (!unlink) {
            remaining.add(r.fingerprint());
            return;
        }
        try {
            // the backend may have changed since the record was read: erase only what was archived
            if (!sha256(source.read(r.entry())).equals(r.sha256())) {
                skipped.add(source.device() + ": " + r.entry().name() + ": changed since it was archived, left in place");
                return;
            }
            source.erase(r.entry());
        } catch (IOException e) {
            remaining.add(r.fingerprint());
            skipped.add(source.device() + ": " + r.entry().name() + ": archived, but not erased: " + e.getMessage());
        }
    }

    // ---- one crash folder

    /**
     * One folder per dump (its parts joined); the other records (console, pmsg, ftrace, ...) tell
     * what the last run did and go with the newest dump, or in a folder of their own.
     */
    private static List<Group> group(List<Read> records) {
        List<Read> dumps = new ArrayList<>();
        List<Read> rest = new ArrayList<>();
        for (Read r : records) {
            (r.entry().type().equals("dmesg") ? dumps : rest).add(r);
        }
        dumps.sort(Comparator.comparing((Read r) -> r.entry().time()).thenComparing(r -> r.entry().name()));
        List<Group> groups = new ArrayList<>();
        Map<Group, Set<Integer>> parts = new IdentityHashMap<>(); // a group's list grows: not a key by value
        for (Read r : dumps) {
            Optional<DumpText.Header> h = DumpText.header(text(r));
            if (h.isEmpty()) {
                groups.add(new Group("dmesg", 0, new ArrayList<>(List.of(r))));
                continue;
            }
            Group into = null;
            for (Group g : groups) {
                if (g.reason().equals(h.get().reason()) && g.counter() == h.get().counter()
                        && parts.containsKey(g) && !parts.get(g).contains(h.get().part())) {
                    into = g;
                }
            }
            if (into == null) {
                into = new Group(h.get().reason(), h.get().counter(), new ArrayList<>());
                groups.add(into);
                parts.put(into, new HashSet<>());
            }
            into.records().add(r);
            parts.get(into).add(h.get().part());
        }
        if (!rest.isEmpty()) {
            Optional<Group> newest = groups.stream().max(Comparator.comparing(Group::time));
            if (newest.isPresent()) {
                newest.get().records().addAll(rest);
            } else {
                groups.add(new Group(safeWord(rest.get(0).entry().type()), 0, new ArrayList<>(rest)));
            }
        }
        return groups;
    }

    /** A dump record's text: inflated when it is compressed (and inflates). */
    private static byte[] text(Read r) {
        return r.entry().compressed() ? DumpText.inflate(r.bytes()).orElse(new byte[0]) : r.bytes();
    }

    private Crash write(Group g, RecordSource source, Set<String> taken) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<CrashMeta.RecordMeta> records = new ArrayList<>();
        for (Read r : g.records()) {
            String file = uniqueName(safeName(r.entry().name()), files);
            files.put(file, r.bytes());
            records.add(new CrashMeta.RecordMeta(r.entry().name(), file, r.entry().time(), r.bytes().length, r.sha256()));
            if (r.entry().compressed()) {
                Optional<byte[]> inflated = DumpText.inflate(r.bytes());
                if (inflated.isPresent()) {
                    String base = r.entry().name().substring(0, r.entry().name().length() - RecordSource.COMPRESSED.length());
                    files.put(uniqueName(safeName(base), files), inflated.get());
                }
            }
        }
        String summary = "";
        List<Read> dumpParts = g.records().stream().filter(r -> r.entry().type().equals("dmesg") && text(r).length > 0)
                .sorted(Comparator.comparingInt((Read r) -> DumpText.header(text(r)).map(DumpText.Header::part).orElse(1))
                        .reversed())
                .toList();
        if (!dumpParts.isEmpty()) {
            // oldest part first: Part1 holds the newest lines
            StringBuilder log = new StringBuilder();
            for (Read r : dumpParts) {
                log.append(DumpText.body(text(r)));
            }
            summary = DumpText.summary(log.toString());
            String header = g.counter() > 0 ? g.reason() + "#" + g.counter() + "\n" : "";
            files.put(DMESG_TXT, (header + log).getBytes(StandardCharsets.UTF_8));
        }
        String id = uniqueId(g, taken);
        List<CrashMeta.FileMeta> fileMetas = new ArrayList<>();
        files.forEach((name, bytes) -> fileMetas.add(new CrashMeta.FileMeta(name, bytes.length, sha256(bytes))));
        String backend = g.records().stream().map(r -> r.entry().backend()).filter(b -> !b.isEmpty())
                .findFirst().orElse("");
        CrashMeta meta = new CrashMeta(id, g.reason(), g.counter(), g.time(), clock.instant(), backend,
                source.device(), summary, records, fileMetas);

        Path tmp = dir.resolve(TMP + id);
        Path folder = dir.resolve(id);
        try {
            fs.createDirectories(tmp);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                put(tmp.resolve(f.getKey()), f.getValue());
            }
            put(tmp.resolve(CrashMeta.FILE), meta.toJson());
            fs.forceDirectory(tmp);
            fs.move(tmp, folder);
        } catch (IOException e) {
            try {
                deleteTree(tmp);
            } catch (IOException ignored) {
                // removed at the start of the next run
            }
            throw e;
        }
        fs.forceDirectory(dir);
        taken.add(id);
        return crash(meta);
    }

    private void put(Path file, byte[] bytes) throws IOException {
        fs.write(file, bytes);
        fs.force(file);
    }

    /** time-reason-counter, with a short hash of the records when that name is taken. */
    private static String uniqueId(Group g, Set<String> taken) {
        String base = ID_TIME.format(g.time()) + "-" + g.reason() + "-" + g.counter();
        if (!taken.contains(base)) {
            return base;
        }
        String hash = sha256(String.join(",", g.records().stream().map(Read::sha256).toList())
                .getBytes(StandardCharsets.UTF_8));
        for (int n = 8; ; n += 4) {
            String id = base + "-" + (n <= hash.length() ? hash.substring(0, n) : hash + "-" + n);
            if (!taken.contains(id)) {
                return id;
            }
        }
    }

    /** A record's name as a file name: nothing but letters, digits and {@code . _ + -}, never hidden. */
    static String safeName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._+-]", "_");
        s = s.replaceFirst("^[.]+", "_");
        if (s.length() > 120) {
            s = s.substring(0, 120);
        }
        if (s.isEmpty() || s.equals(CrashMeta.FILE) || s.equals(DMESG_TXT)) {
            s = "record-" + s;
        }
        return s;
    }

    private static String uniqueName(String name, Map<String, byte[]> files) {
        String n = name;
        for (int i = 2; files.containsKey(n); i++) {
            n = name + "~" + i;
        }
        return n;
    }

    private static String safeWord(String word) {
        String s = word.replaceAll("[^A-Za-z0-9]", "");
        return s.isEmpty() ? "record" : s.substring(0, Math.min(16, s.length()));
    }

    private static String names(Group g) {
        return String.join(", ", g.records().stream().map(r -> r.entry().name()).toList());
    }

    // ---- limits

    /**
     * Removes the oldest crashes while a limit is exceeded, never the newest. A crash removed while
     * its records are still on a partition is remembered, so that it is not archived again.
     */
    private void applyLimits(Set<String> remaining) throws IOException {
        if (limits.maxAge().isZero() && limits.maxBytes() <= 0 && limits.maxCount() <= 0) {
            return;
        }
        List<Crash> oldestFirst = new ArrayList<>(crashes());
        oldestFirst.sort(Comparator.comparing(Crash::time).thenComparing(Crash::id));
        long bytes = oldestFirst.stream().mapToLong(Crash::size).sum();
        int count = oldestFirst.size();
        Instant oldestKept = limits.maxAge().isZero() ? Instant.MIN : clock.instant().minus(limits.maxAge());
        List<Crash> evict = new ArrayList<>();
        for (Crash c : oldestFirst.subList(0, Math.max(0, oldestFirst.size() - 1))) {
            boolean over = (limits.maxCount() > 0 && count > limits.maxCount())
                    || (limits.maxBytes() > 0 && bytes > limits.maxBytes())
                    || c.time().isBefore(oldestKept);
            if (!over) {
                break;
            }
            evict.add(c);
            count--;
            bytes -= c.size();
        }
        if (evict.isEmpty()) {
            return;
        }
        remember(evict, remaining);
        for (Crash c : evict) {
            Path doomed = dir.resolve(DELETING + c.id());
            fs.move(c.folder(), doomed);
            fs.forceDirectory(dir);
            deleteTree(doomed);
        }
    }

    private void remember(List<Crash> evicted, Set<String> remaining) throws IOException {
        List<String> still = new ArrayList<>();
        for (Crash c : evicted) {
            for (CrashMeta.RecordMeta r : CrashMeta.parse(fs.read(c.folder().resolve(CrashMeta.FILE))).records()) {
                String f = fingerprint(r.name(), r.sha256());
                if (!unlink || remaining.contains(f)) {
                    still.add(f);
                }
            }
        }
        if (still.isEmpty()) {
            return;
        }
        Path index = dir.resolve(EVICTED);
        List<String> lines = new ArrayList<>();
        if (fs.exists(index)) {
            lines.addAll(new String(fs.read(index), StandardCharsets.UTF_8).lines().toList());
        }
        lines.addAll(still);
        if (lines.size() > MAX_EVICTED) {
            lines = lines.subList(lines.size() - MAX_EVICTED, lines.size());
        }
        Path tmp = dir.resolve(EVICTED + TMP);
        put(tmp, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        fs.move(tmp, index);
        fs.forceDirectory(dir);
    }

    /** One line of {@value #EVICTED}, whatever the name holds. */
    static String fingerprint(String name, String sha256) {
        return sha256 + " " + name.replaceAll("[\\r\\n]", "?");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
