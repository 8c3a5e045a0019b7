package org.pstore.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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
 * <p>A crash folder is written durably by {@link CrashFolderWriter}: only then are its records
 * erased. A cut anywhere leaves either no folder (the records are still on the partition and are
 * archived next time), or a complete one whose meta.json names the records it holds (they are
 * recognised next time by name and sha256, erased and not archived again). Leftover {@code .tmp-}
 * and {@code .del-} folders are removed at the start of a run; {@link CrashEviction} keeps the
 * archive within its limits.
 */
public final class Archiver {

    /** The limits; 0 (or a zero duration) is no limit. */
    public record Limits(Duration maxAge, long maxBytes, int maxCount) {
        public static final Limits NONE = new Limits(Duration.ZERO, 0, 0);
    }

    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    private final Path dir;
    private final ArchiveFs fs;
    private final boolean unlink;
    private final Consumer<Crash> onArchived;
    private final CrashFolderWriter writer;
    private final CrashEviction eviction;

    public Archiver(Path dir, ArchiveFs fs, boolean unlink, Limits limits, Clock clock, Consumer<Crash> onArchived) {
        this.dir = dir.toAbsolutePath().normalize();
        this.fs = fs;
        this.unlink = unlink;
        this.onArchived = onArchived;
        this.writer = new CrashFolderWriter(this.dir, fs, clock);
        this.eviction = new CrashEviction(this.dir, fs, unlink, limits, clock);
    }

    public Path directory() {
        return dir;
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
            List<CrashGroup.Read> fresh = new ArrayList<>();
            List<RecordSource.Entry> entries;
            try {
                entries = source.records();
            } catch (IOException e) {
                skipped.add(source.device() + ": cannot list its records: " + e.getMessage());
                continue;
            }
            for (RecordSource.Entry e : entries) {
                CrashGroup.Read r;
                try {
                    byte[] bytes = source.read(e);
                    r = new CrashGroup.Read(e, bytes, Fingerprints.sha256(bytes));
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
            for (CrashGroup g : CrashGroup.group(fresh)) {
                Crash crash;
                try {
                    crash = crash(writer.write(g, source.device(), taken));
                } catch (IOException failed) {
                    g.records().forEach(r -> remaining.add(r.fingerprint()));
                    skipped.add(source.device() + ": " + g.names() + ": not archived, left in place: "
                            + failed.getMessage());
                    continue;
                }
                archived.add(crash.id());
                for (CrashGroup.Read r : g.records()) {
                    known.add(r.fingerprint());
                    erase(source, r, skipped, remaining);
                }
                onArchived.accept(crash);
            }
        }
        if (eviction.limited()) {
            eviction.evict(crashes(), remaining);
        }
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
            m.records().forEach(r -> known.add(Fingerprints.fingerprint(r.name(), r.sha256())));
        }
        known.addAll(eviction.remembered());
        return known;
    }

    private void removeLeftovers() throws IOException {
        for (String name : fs.list(dir)) {
            if (name.startsWith(CrashFolderWriter.TMP) || name.startsWith(CrashEviction.DELETING)
                    || name.equals(CrashEviction.EVICTED + CrashFolderWriter.TMP)) {
                CrashFolderWriter.deleteTree(fs, dir.resolve(name));
            }
        }
    }

    /** Erases a record whose copy is durable, if it is still the bytes archived. */
    private void erase(RecordSource source, CrashGroup.Read r, List<String> skipped, Set<String> remaining) {
        if (!unlink) {
            remaining.add(r.fingerprint());
            return;
        }
        try {
            // the backend may have changed since the record was read: erase only what was archived
            if (!Fingerprints.sha256(source.read(r.entry())).equals(r.sha256())) {
                skipped.add(source.device() + ": " + r.entry().name() + ": changed since it was archived, left in place");
                return;
            }
            source.erase(r.entry());
        } catch (IOException e) {
            remaining.add(r.fingerprint());
            skipped.add(source.device() + ": " + r.entry().name() + ": archived, but not erased: " + e.getMessage());
        }
    }
}
