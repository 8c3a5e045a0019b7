package org.pstore.api.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The crashes copied off the partition, one folder per crash under {@link #directory()}, as
 * systemd-pstore keeps them under /var/lib/systemd/pstore. A crash folder appears under its final
 * name only once every file in it is durable; names starting with {@code .} are work in progress.
 * Each folder holds the records under their Linux names, {@code dmesg.txt} for a dump and a
 * {@code meta.json} describing the crash.
 */
@ProviderType
public interface CrashArchive {

    /** Event Admin topic posted once for every crash archived, with {@link #EVENT_ID} and {@link #EVENT_FOLDER}. */
    String TOPIC_ARCHIVED = "org/pstore/archive/ARCHIVED";

    /** Event property: the crash's id (a String, also the folder's name). */
    String EVENT_ID = "id";

    /** Event property: the crash folder's absolute path (a String). */
    String EVENT_FOLDER = "folder";

    /** The folder that holds one folder per crash. */
    Path directory();

    /** Copies every record of earlier runs into the archive now, and erases them where configured. */
    ArchiveRun archive() throws IOException;

    /** The crashes held, newest first. */
    List<Crash> crashes() throws IOException;

    /** One crash; empty when no crash has that id, also for an id that is not a valid crash id. */
    Optional<Crash> crash(String id) throws IOException;
}
