package org.pstore.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Linux's own records: the regular files of its pstore folder (/sys/fs/pstore), whose modification
 * time is the record's time and whose removal is Linux's erase.
 */
final class KernelDirSource implements RecordSource {

    /** Linux's records are a zone at most; a larger file is not one, and must not take the heap. */
    static final long MAX_RECORD = 64L << 20;

    private final Path dir;

    KernelDirSource(Path dir) {
        this.dir = dir;
    }

    @Override
    public String device() {
        return dir.toString();
    }

    @Override
    public List<Entry> records() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(new Entry(f.getFileName().toString(),
                            Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toInstant()));
                }
            }
        }
        return out;
    }

    @Override
    public byte[] read(Entry record) throws IOException {
        Path f = file(record);
        long size = Files.size(f);
        if (size > MAX_RECORD) {
            throw new IOException(size + " bytes, more than a record can hold");
        }
        return Files.readAllBytes(f);
    }

    @Override
    public void erase(Entry record) throws IOException {
        Files.delete(file(record));
    }

    /** The entry's file, never outside the folder whatever the name says. */
    private Path file(Entry record) throws IOException {
        Path f = dir.resolve(record.name()).normalize();
        if (!dir.equals(f.getParent())) {
            throw new IOException("'" + record.name() + "' is not a file of " + dir);
        }
        return f;
    }
}
