package org.pstore.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import org.pstore.api.archive.Crash;

/**
 * Keeps the archive within its limits: removes the oldest crashes while a limit is exceeded, never
 * the newest, each renamed to {@code .del-ID} (durably) before its files go. A crash removed while
 * its records are still on a partition is remembered in {@value #EVICTED}, so that it is not
 * archived again.
 */
final class CrashEviction {

    static final String DELETING = ".del-";
    /** Records of crashes a limit removed while the records were still on a partition: not archived again. */
    static final String EVICTED = ".evicted";
    static final int MAX_EVICTED = 10_000;

    private final Path dir;
    private final ArchiveFs fs;
    private final boolean unlink;
    private final Archiver.Limits limits;
    private final Clock clock;

    CrashEviction(Path dir, ArchiveFs fs, boolean unlink, Archiver.Limits limits, Clock clock) {
        this.dir = dir;
        this.fs = fs;
        this.unlink = unlink;
        this.limits = limits;
        this.clock = clock;
    }

    /** Whether any limit is set. */
    boolean limited() {
        return !(limits.maxAge().isZero() && limits.maxBytes() <= 0 && limits.maxCount() <= 0);
    }

    /** The fingerprints of the records of crashes removed while the records were still on a partition. */
    List<String> remembered() throws IOException {
        Path evicted = dir.resolve(EVICTED);
        if (!fs.exists(evicted)) {
            return List.of();
        }
        return new String(fs.read(evicted), StandardCharsets.UTF_8).lines().toList();
    }

    /**
     * Removes the oldest of {@code crashes} while a limit is exceeded; {@code remaining} holds the
     * fingerprints of the records still on a partition.
     */
    void evict(List<Crash> crashes, Set<String> remaining) throws IOException {
        List<Crash> oldestFirst = new ArrayList<>(crashes);
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
            CrashFolderWriter.deleteTree(fs, doomed);
        }
    }

    private void remember(List<Crash> evicted, Set<String> remaining) throws IOException {
        List<String> still = new ArrayList<>();
        for (Crash c : evicted) {
            for (CrashMeta.RecordMeta r : CrashMeta.parse(fs.read(c.folder().resolve(CrashMeta.FILE))).records()) {
                String f = Fingerprints.fingerprint(r.name(), r.sha256());
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
        Path tmp = dir.resolve(EVICTED + CrashFolderWriter.TMP);
        CrashFolderWriter.put(fs, tmp, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        fs.move(tmp, index);
        fs.forceDirectory(dir);
    }
}
