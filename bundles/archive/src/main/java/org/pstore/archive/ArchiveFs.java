package org.pstore.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the archive makes, and nothing more: what survives a power cut is exactly
 * what was forced ({@link #force} a file's bytes, {@link #forceDirectory} a folder's entries).
 * The tests cut the power between any two calls.
 */
public interface ArchiveFs {

    /** Creates the folder and its missing parents, durably (each new name's parent forced); true when it had to. */
    boolean createDirectories(Path dir) throws IOException;

    /** Writes a new file (one that does not exist). */
    void write(Path file, byte[] bytes) throws IOException;

    /** Makes a file's bytes durable. */
    void force(Path file) throws IOException;

    /** Makes a folder's entries (names created, renamed or removed in it) durable. */
    void forceDirectory(Path dir) throws IOException;

    /** Renames atomically (rename(2)): a file replaces the file of that name. */
    void move(Path from, Path to) throws IOException;

    /** Deletes a file or an empty folder. */
    void delete(Path path) throws IOException;

    /** The names in a folder, sorted. */
    List<String> list(Path dir) throws IOException;

    byte[] read(Path file) throws IOException;

    boolean isDirectory(Path path);

    boolean exists(Path path);
}
