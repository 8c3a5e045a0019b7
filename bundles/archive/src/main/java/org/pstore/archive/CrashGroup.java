package org.pstore.archive;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The records that make one crash folder, and how the records read off a source are grouped into them. */
record CrashGroup(String reason, int counter, List<CrashGroup.Read> records) {

    /** A record read off its source. */
    record Read(RecordSource.Entry entry, byte[] bytes, String sha256) {
        String fingerprint() {
            return Fingerprints.fingerprint(entry.name(), sha256);
        }

        /** A dump record's text: inflated when it is compressed (and inflates). */
        byte[] text() {
            return entry.compressed() ? DumpText.inflate(bytes).orElse(new byte[0]) : bytes;
        }
    }

    /** The dump's time; the rings' only without one (where the medium keeps none, that is when they were shown). */
    Instant time() {
        List<Read> dumps = records.stream().filter(r -> r.entry().type().equals("dmesg")).toList();
        return (dumps.isEmpty() ? records : dumps).stream().map(r -> r.entry().time())
                .max(Comparator.naturalOrder()).orElseThrow();
    }

    /** The records' names, for a message. */
    String names() {
        return String.join(", ", records.stream().map(r -> r.entry().name()).toList());
    }

    /**
     * One folder per dump (its parts joined); the other records (console, pmsg, ftrace, ...) tell
     * what the last run did and go with the newest dump, or in a folder of their own.
     */
    static List<CrashGroup> group(List<Read> records) {
        List<Read> dumps = new ArrayList<>();
        List<Read> rest = new ArrayList<>();
        for (Read r : records) {
            (r.entry().type().equals("dmesg") ? dumps : rest).add(r);
        }
        dumps.sort(Comparator.comparing((Read r) -> r.entry().time()).thenComparing(r -> r.entry().name()));
        List<CrashGroup> groups = new ArrayList<>();
        Map<CrashGroup, Set<Integer>> parts = new IdentityHashMap<>(); // a group's list grows: not a key by value
        for (Read r : dumps) {
            Optional<DumpText.Header> h = DumpText.header(r.text());
            if (h.isEmpty()) {
                groups.add(new CrashGroup("dmesg", 0, new ArrayList<>(List.of(r))));
                continue;
            }
            CrashGroup into = null;
            for (CrashGroup g : groups) {
                if (g.reason().equals(h.get().reason()) && g.counter() == h.get().counter()
                        && parts.containsKey(g) && !parts.get(g).contains(h.get().part())) {
                    into = g;
                }
            }
            if (into == null) {
                into = new CrashGroup(h.get().reason(), h.get().counter(), new ArrayList<>());
                groups.add(into);
                parts.put(into, new HashSet<>());
            }
            into.records().add(r);
            parts.get(into).add(h.get().part());
        }
        if (!rest.isEmpty()) {
            Optional<CrashGroup> newest = groups.stream().max(Comparator.comparing(CrashGroup::time));
            if (newest.isPresent()) {
                newest.get().records().addAll(rest);
            } else {
                groups.add(new CrashGroup(safeWord(rest.get(0).entry().type()), 0, new ArrayList<>(rest)));
            }
        }
        return groups;
    }

    private static String safeWord(String word) {
        String s = word.replaceAll("[^A-Za-z0-9]", "");
        return s.isEmpty() ? "record" : s.substring(0, Math.min(16, s.length()));
    }
}
