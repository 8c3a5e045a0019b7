package org.pstore.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pstore.api.PstoreException;
import org.pstore.api.archive.ArchiveRun;
import org.pstore.api.archive.Crash;
import org.pstore.api.archive.CrashArchive;

/** The {@code pstore:} commands of the crash archive, for a firmware with a Gogo shell. */
// the command properties by hand: @GogoCommand would make Gogo a requirement of the archive
@Component(service = ArchiveCommands.class, property = {"osgi.command.scope=pstore",
        "osgi.command.function=archive", "osgi.command.function=crashes", "osgi.command.function=show"})
public class ArchiveCommands {

    private final CrashArchive archive;

    @Activate
    public ArchiveCommands(@Reference CrashArchive archive) {
        this.archive = archive;
    }

    @Descriptor("copy every record of earlier runs into the archive now")
    public String archive() throws IOException {
        return describe(archive.archive(), archive);
    }

    static String describe(ArchiveRun run, CrashArchive archive) {
        StringBuilder out = new StringBuilder("archived ").append(run.archived().size()).append(" crash(es) into ")
                .append(archive.directory());
        run.archived().forEach(id -> out.append("\n  ").append(id));
        run.skipped().forEach(s -> out.append("\nleft: ").append(s));
        return out.toString();
    }

    @Descriptor("the archived crashes, newest first: id, time (UTC), reason, size in bytes, first meaningful line")
    public String crashes() throws IOException {
        return format(archive.crashes());
    }

    static String format(List<Crash> crashes) {
        return crashes.stream().map(c -> c.id() + "\t"
                + DateTimeFormatter.ISO_INSTANT.format(c.time().truncatedTo(ChronoUnit.SECONDS)) + "\t"
                + c.reason() + "\t" + c.size() + "\t" + c.summary())
                .collect(Collectors.joining("\n"));
    }

    @Descriptor("show a crash: its dmesg.txt, or its records")
    public String show(@Descriptor("crash id (from pstore:crashes)") String id) throws IOException {
        Crash c = archive.crash(id).orElseThrow(() -> new PstoreException("no crash '" + id + "'"));
        if (c.files().contains("dmesg.txt")) {
            return Files.readString(c.folder().resolve("dmesg.txt"), StandardCharsets.UTF_8);
        }
        StringBuilder out = new StringBuilder();
        for (String f : c.files()) {
            if (!f.equals("meta.json")) {
                out.append("== ").append(f).append('\n')
                        .append(new String(Files.readAllBytes(c.folder().resolve(f)), StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }
}
