package org.pstore.api.archive;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One archived crash.
 *
 * @param id       unique, safe as a file name: time, reason, counter (and a short hash where needed)
 * @param time     when the crash was recorded
 * @param reason   the dump reason as Linux names it (Oops, Panic, ...), or the record type for a crash
 *                 without a dump
 * @param counter  the dump's oops or panic counter, 0 without a dump
 * @param size     the bytes of every file in the folder
 * @param summary  the dump's first meaningful line (the Oops message), or empty
 * @param folder   the crash's folder
 * @param files    the files in the folder, {@code meta.json} included
 * @param archived when the crash was archived
 */
public record Crash(String id, Instant time, String reason, int counter, long size, String summary, Path folder,
                    List<String> files, Instant archived) {
}
