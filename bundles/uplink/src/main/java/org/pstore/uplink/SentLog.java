package org.pstore.uplink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The crashes the broker acknowledged, durable: {@code sent.log} in the state folder, one line
 * {@code <epoch millis> <bytes> <crash id>\n} per crash, appended and forced before the crash counts
 * as sent. A line cut by a power cut has no newline and is dropped on opening (that crash is sent
 * again; the collector keeps it once). The times and sizes are the rate limits' history.
 */
final class SentLog implements Closeable {

    static final String FILE = "sent.log";

    /** One acknowledged crash. */
    record Entry(long time, long bytes, String id) {
        String line() {
            return time + " " + bytes + " " + id + "\n";
        }
    }

    private final Path file;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> ids = ConcurrentHashMap.newKeySet(); // read without waiting for a force
    private FileChannel channel;

    private SentLog(Path file) {
        this.file = file;
    }

    /** Opens the log in {@code stateDir} (created when missing), dropping a torn last line. */
    static SentLog open(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        SentLog log = new SentLog(stateDir.resolve(FILE));
        log.load();
        return log;
    }

    private void load() throws IOException {
        long complete = 0;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    parse(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            complete = start;
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channel.truncate(complete);
        channel.position(complete);
    }

    private void parse(String line) {
        String[] f = line.split(" ", 3);
        try {
            if (f.length == 3 && Names.safe(f[2])) {
                add(new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2]));
            }
        } catch (NumberFormatException e) {
            // not a line this log wrote: ignored, the crash is sent again
        }
    }

    private void add(Entry e) {
        entries.add(e);
        ids.add(e.id());
    }

    boolean contains(String id) {
        return ids.contains(id);
    }

    int size() {
        return ids.size();
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Records acknowledged crashes; returns once their lines are on the disk (one force for all). */
    synchronized void append(List<Entry> acknowledged) throws IOException {
        StringBuilder lines = new StringBuilder();
        acknowledged.forEach(e -> lines.append(e.line()));
        ByteBuffer b = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
        channel.force(false);
        acknowledged.forEach(this::add);
    }

    /**
     * Rewrites the log keeping only the entries {@code keep} accepts (temporary file, force,
     * rename, force the folder), so it does not grow with crashes long gone from the archive.
     */
    synchronized void compact(Predicate<Entry> keep) throws IOException {
        List<Entry> kept = entries.stream().filter(keep).toList();
        if (kept.size() == entries.size()) {
            return;
        }
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            StringBuilder text = new StringBuilder();
            kept.forEach(e -> text.append(e.line()));
            ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        }
        channel.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Durable.forceFolder(file.getParent());
        entries.clear();
        ids.clear();
        kept.forEach(this::add);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
