package org.pstore.collector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.pstore.uplink.CrashMessage;
import org.pstore.uplink.Durable;
import org.pstore.uplink.MalformedCrashException;
import org.pstore.uplink.Names;
import org.pstore.uplink.Topics;

/**
 * The collector's folder: {@code DIR/<gateway id>/<crash id>/} per crash, with the archive's atomic
 * steps (a temporary folder, every file forced, the folder forced, one rename, the parent forced),
 * each crash once, and {@code DIR/rejected/} for messages that are not crashes, with the reason.
 * Names come from the topic and are checked before they touch a path, so nothing escapes DIR.
 */
public final class CrashStore {

    public static final String REJECTED = "rejected";
    private static final String TMP = ".tmp-";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** What became of one message. */
    public enum Outcome { STORED, DUPLICATE, REJECTED }

    /** @param where the crash's folder, or the rejected message's folder, relative to DIR */
    public record Result(Outcome outcome, String where, long bytes, String reason) {
    }

    private final Path dir;
    private final String prefix;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicLong sequence = new AtomicLong();

    public CrashStore(Path dir, String prefix) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.prefix = prefix;
    }

    /** Removes the temporary folders of collectors that died while writing (never a live one's). */
    public void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> gateways = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path g : gateways) {
                try (DirectoryStream<Path> temps = Files.newDirectoryStream(g, TMP + "*")) {
                    for (Path t : temps) {
                        if (!writerAlive(t.getFileName().toString())) {
                            deleteTree(t);
                        }
                    }
                }
            }
        }
    }

    private static boolean writerAlive(String tempName) {
        String[] parts = tempName.split("-");
        try {
            return ProcessHandle.of(Long.parseLong(parts[parts.length - 2])).isPresent();
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return false; // not a name we made
        }
    }

    /** Stores one message from {@code topic}; returns once what it did is durable. */
    public Result store(String topic, byte[] payload) throws IOException {
        String[] levels = topic.split("/", -1);
        String[] prefixLevels = prefix.split("/", -1);
        int n = prefixLevels.length;
        if (levels.length != n + 3 || !Arrays.equals(Arrays.copyOf(levels, n), prefixLevels)
                || !levels[n + 1].equals(Topics.CRASH)) {
            return reject(topic, payload, "topic is not " + Topics.allCrashes(prefix));
        }
        String gateway = levels[n];
        String id = levels[n + 2];
        if (!Names.safe(gateway) || gateway.equals(REJECTED)) {
            return reject(topic, payload, "gateway id '" + gateway + "' is not a safe name");
        }
        if (!Names.safe(id)) {
            return reject(topic, payload, "crash id '" + id + "' is not a safe name");
        }
        CrashMessage crash;
        try {
            crash = CrashMessage.parse(payload);
        } catch (MalformedCrashException e) {
            return reject(topic, payload, e.getMessage());
        }
        if (!crash.id().equals(id)) {
            return reject(topic, payload, "id '" + crash.id() + "' in the message is not the topic's '" + id + "'");
        }
        Path gatewayDir = dir.resolve(gateway);
        Path target = gatewayDir.resolve(id);
        String where = gateway + "/" + id;
        if (Files.isDirectory(target)) {
            return same(target, crash.files()) ? new Result(Outcome.DUPLICATE, where, crash.size(), null)
                    : reject(topic, payload, "crash " + where + " differs from the copy already stored");
        }
        if (!Files.isDirectory(gatewayDir)) {
            Files.createDirectories(gatewayDir);
            Durable.forceFolder(dir);
        }
        if (!publish(writeTemp(gatewayDir, id, crash.files()), target)) {
            return same(target, crash.files()) ? new Result(Outcome.DUPLICATE, where, crash.size(), null)
                    : reject(topic, payload, "crash " + where + " differs from the copy already stored");
        }
        return new Result(Outcome.STORED, where, crash.size(), null);
    }

    private Result reject(String topic, byte[] payload, String reason) throws IOException {
        Path rejected = dir.resolve(REJECTED);
        if (!Files.isDirectory(rejected)) {
            Files.createDirectories(rejected);
            Durable.forceFolder(dir);
        }
        String name = STAMP.format(java.time.Instant.now()) + "-" + pid + "-" + sequence.incrementAndGet();
        Map<String, byte[]> files = new TreeMap<>();
        files.put("reason.txt", (reason + "\n").getBytes(StandardCharsets.UTF_8));
        files.put("topic.txt", (topic + "\n").getBytes(StandardCharsets.UTF_8));
        files.put("payload", payload);
        publish(writeTemp(rejected, name, files), rejected.resolve(name));
        return new Result(Outcome.REJECTED, REJECTED + "/" + name, payload.length, reason);
    }

    private Path writeTemp(Path parent, String name, Map<String, byte[]> files) throws IOException {
        Path tmp = parent.resolve(TMP + name + "-" + pid + "-" + sequence.incrementAndGet());
        Files.createDirectory(tmp);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            try (FileChannel ch = FileChannel.open(tmp.resolve(f.getKey()), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(f.getValue());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
        }
        Durable.forceFolder(tmp);
        return tmp;
    }

    /** Renames the complete temporary folder to its name; false when another copy got there first. */
    private static boolean publish(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(tmp); // ours alone: a message that failed here comes again
            if (Files.isDirectory(target)) {
                // another copy got there first; rename(2) then says ENOTEMPTY, which the JDK
                // reports as a plain FileSystemException, not DirectoryNotEmptyException
                return false;
            }
            throw e;
        }
        Durable.forceFolder(target.getParent());
        return true;
    }

    private static boolean same(Path folder, Map<String, byte[]> files) throws IOException {
        Set<String> stored;
        try (Stream<Path> entries = Files.list(folder)) {
            stored = entries.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
        if (!stored.equals(files.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            if (!Arrays.equals(Files.readAllBytes(folder.resolve(f.getKey())), f.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
