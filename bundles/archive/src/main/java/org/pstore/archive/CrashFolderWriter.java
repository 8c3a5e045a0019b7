package org.pstore.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes one crash folder durably: its files and meta.json under {@code .tmp-ID}, every file
 * forced, the folder forced, renamed to {@code ID}, the archive folder forced. Names the folder
 * (time-reason-counter) and the files in it (safe names, never hidden, never meta.json).
 */
final class CrashFolderWriter {

    static final String DMESG_TXT = "dmesg.txt";
    static final String TMP = ".tmp-";

    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final ArchiveFs fs;
    private final Clock clock;

    CrashFolderWriter(Path dir, ArchiveFs fs, Clock clock) {
        this.dir = dir;
        this.fs = fs;
        this.clock = clock;
    }

    /** Writes the group's folder, named apart from {@code taken} (to which its id is added); returns its meta. */
    CrashMeta write(CrashGroup g, String device, Set<String> taken) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<CrashMeta.RecordMeta> records = new ArrayList<>();
        for (CrashGroup.Read r : g.records()) {
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
        List<CrashGroup.Read> dumpParts = g.records().stream()
                .filter(r -> r.entry().type().equals("dmesg") && r.text().length > 0)
                .sorted(Comparator.comparingInt((CrashGroup.Read r) -> DumpText.header(r.text()).map(DumpText.Header::part)
                        .orElse(1)).reversed())
                .toList();
        if (!dumpParts.isEmpty()) {
            // oldest part first: Part1 holds the newest lines
            StringBuilder log = new StringBuilder();
            for (CrashGroup.Read r : dumpParts) {
                log.append(DumpText.body(r.text()));
            }
            summary = DumpText.summary(log.toString());
            String header = g.counter() > 0 ? g.reason() + "#" + g.counter() + "\n" : "";
            files.put(DMESG_TXT, (header + log).getBytes(StandardCharsets.UTF_8));
        }
        String id = uniqueId(g, taken);
        List<CrashMeta.FileMeta> fileMetas = new ArrayList<>();
        files.forEach((name, bytes) -> fileMetas.add(new CrashMeta.FileMeta(name, bytes.length, Fingerprints.sha256(bytes))));
        String backend = g.records().stream().map(r -> r.entry().backend()).filter(b -> !b.isEmpty())
                .findFirst().orElse("");
        CrashMeta meta = new CrashMeta(id, g.reason(), g.counter(), g.time(), clock.instant(), backend,
                device, summary, records, fileMetas);

        Path tmp = dir.resolve(TMP + id);
        Path folder = dir.resolve(id);
        try {
            fs.createDirectories(tmp);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                put(fs, tmp.resolve(f.getKey()), f.getValue());
            }
            put(fs, tmp.resolve(CrashMeta.FILE), meta.toJson());
            fs.forceDirectory(tmp);
            fs.move(tmp, folder);
        } catch (IOException e) {
            try {
                deleteTree(fs, tmp);
            } catch (IOException ignored) {
                // removed at the start of the next run
            }
            throw e;
        }
        fs.forceDirectory(dir);
        taken.add(id);
        return meta;
    }

    /** Writes a new file and forces its bytes. */
    static void put(ArchiveFs fs, Path file, byte[] bytes) throws IOException {
        fs.write(file, bytes);
        fs.force(file);
    }

    static void deleteTree(ArchiveFs fs, Path p) throws IOException {
        if (fs.isDirectory(p)) {
            for (String child : fs.list(p)) {
                deleteTree(fs, p.resolve(child));
            }
        }
        fs.delete(p);
    }

    /** time-reason-counter, with a short hash of the records when that name is taken. */
    private static String uniqueId(CrashGroup g, Set<String> taken) {
        String base = ID_TIME.format(g.time()) + "-" + g.reason() + "-" + g.counter();
        if (!taken.contains(base)) {
            return base;
        }
        String hash = Fingerprints.sha256(String.join(",", g.records().stream().map(CrashGroup.Read::sha256).toList())
                .getBytes(StandardCharsets.UTF_8));
        for (int n = 8; ; n += 4) {
            String id = base + "-" + (n <= hash.length() ? hash.substring(0, n) : hash + "-" + n);
            if (!taken.contains(id)) {
                return id;
            }
        }
    }

    /** A record's name as a file name: nothing but letters, digits and {@code . _ + -}, never hidden. */
    private static String safeName(String name) {
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
}
