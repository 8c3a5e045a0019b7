package org.pstore.uplink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * One crash as it travels: {@code {"id": ..., "meta": <meta.json>, "files": {name: base64}}}.
 * {@code files} holds every file of the crash folder, {@code meta.json} included, so the collector
 * writes back exactly the bytes the gateway archived; {@code meta} is the same meta.json as JSON for
 * readers of the stream ({@code null} when the folder has none or it is not a JSON object).
 *
 * @param id       the crash id (the folder's name), a {@link Names#safe safe} name
 * @param metaJson the meta.json text when it is a JSON object, else null
 * @param files    file name to bytes, in name order
 */
public record CrashMessage(String id, String metaJson, Map<String, byte[]> files) {

    public static final String META = "meta.json";

    /**
     * The most bytes a crash message may take: MQTT's remaining length is at most 268,435,455 bytes,
     * and it also holds the topic (up to 65,535 bytes after its 2-byte length) and the packet id (2).
     */
    public static final long MAX_BYTES = 268_435_455L - 2 - 65_535 - 2;

    public CrashMessage {
        files = Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /**
     * Reads a complete crash folder (its name is the id; files whose names start with '.' are skipped).
     * Through the folder's own descriptor where the platform offers one (Linux does): each file is
     * then looked up by its name alone, not by its whole path again, which spares the kernel a
     * fifth of the reading's time on every crash sent.
     *
     * @throws NoSuchFileException the folder is gone, or it was taken away while it was read
     * @throws IOException         also when the message would be larger than {@link #MAX_BYTES}
     */
    public static CrashMessage read(Path folder) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            return read(folder, entries);
        }
    }

    /**
     * Reads the crash through {@code entries}, opened on {@code folder}. The message's length is
     * counted from the files' sizes before anything is allocated, so a huge file (a stray copy, a
     * damaged file system) costs an error that names the crash, not the heap. A descriptor follows a
     * rename, and the archive takes a crash away by renaming its folder out of sight and then
     * deleting its files: the folder must still be at its path afterwards, else what was read may be
     * part of a crash.
     */
    static CrashMessage read(Path folder, DirectoryStream<Path> entries) throws IOException {
        String id = Names.check("crash id", folder.getFileName().toString());
        Object folderKey = folderKey(entries, folder);
        Map<String, Long> sizes = new TreeMap<>();
        for (Path p : entries) {
            String name = p.getFileName().toString();
            BasicFileAttributes a;
            if (Names.safe(name) && (a = attributes(entries, p)).isRegularFile()) {
                sizes.put(name, a.size());
            }
        }
        // the meta part: meta.json trimmed (a byte that is not UTF-8 turns into 3), or null
        long length = length(id, Math.max(3 * sizes.getOrDefault(META, 0L), 4), sizes, Long::longValue);
        if (length > MAX_BYTES) {
            throw new IOException("crash " + id + " is too large for one MQTT message: its files take "
                    + sizes.values().stream().mapToLong(Long::longValue).sum() + " bytes, " + length
                    + " as a message (base64 and JSON), at most " + MAX_BYTES);
        }
        Map<String, byte[]> files = new TreeMap<>();
        for (Map.Entry<String, Long> f : sizes.entrySet()) {
            files.put(f.getKey(), content(entries, folder.resolve(f.getKey()), f.getValue()));
        }
        stillAtItsPath(folder, folderKey);
        byte[] meta = files.get(META);
        return new CrashMessage(id, meta == null ? null : objectOrNull(new String(meta, StandardCharsets.UTF_8)), files);
    }

    private static BasicFileAttributes attributes(DirectoryStream<Path> folder, Path file) throws IOException {
        return folder instanceof SecureDirectoryStream<Path> fd
                ? fd.getFileAttributeView(file.getFileName(), BasicFileAttributeView.class).readAttributes()
                : Files.readAttributes(file, BasicFileAttributes.class);
    }

    /** The folder's identity (device and inode on Linux) as opened, or by its path without a descriptor. */
    private static Object folderKey(DirectoryStream<Path> entries, Path folder) throws IOException {
        return (entries instanceof SecureDirectoryStream<Path> fd
                ? fd.getFileAttributeView(BasicFileAttributeView.class).readAttributes()
                : Files.readAttributes(folder, BasicFileAttributes.class)).fileKey();
    }

    /** Throws NoSuchFileException, as for a crash erased, unless the folder read is still the one at its path. */
    private static void stillAtItsPath(Path folder, Object key) throws IOException {
        BasicFileAttributes now;
        try {
            now = Files.readAttributes(folder, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            now = null;
        }
        if (now == null || !now.isDirectory() || !Objects.equals(now.fileKey(), key)) {
            throw new NoSuchFileException(folder.toString(), null, "taken away while it was read");
        }
    }

    /** The file's bytes: as many as its size said when listed (a crash folder is complete, it does not grow). */
    private static byte[] content(DirectoryStream<Path> folder, Path file, long size) throws IOException {
        try (SeekableByteChannel in = folder instanceof SecureDirectoryStream<Path> fd
                ? fd.newByteChannel(file.getFileName(), Set.of(StandardOpenOption.READ))
                : Files.newByteChannel(file)) {
            if (in.size() != size) {
                throw new IOException(file + " changed its size while the crash was read");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size); // at most MAX_BYTES
            while (bytes.hasRemaining() && in.read(bytes) >= 0) {
                // reads until full
            }
            if (bytes.hasRemaining()) {
                throw new IOException(file + " became shorter while it was read");
            }
            return bytes.array();
        }
    }

    private static String objectOrNull(String text) {
        try {
            return JsonParser.parseString(text).isJsonObject() ? text.trim() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }

    /** The size of every file, the bytes the crash takes on disk. */
    public long size() {
        return files.values().stream().mapToLong(b -> b.length).sum();
    }

    private static final String FILES = ",\"files\":{"; // after meta
    private static final String FIRST = "\"";      // before the first file's name
    private static final String NEXT = "\",\"";    // after a file's base64, before the next one's name
    private static final String NAME_END = "\":\""; // after a file's name, before its base64

    private static String head(String id) {
        return "{\"id\":\"" + id + "\",\"meta\":";
    }

    private static String end(int files) {
        return files == 0 ? "}}" : "\"}}";
    }

    /** The message's length in bytes: a meta part of {@code metaLength}, these files (name order) of {@code size}. */
    private static <T> long length(String id, long metaLength, Map<String, T> files, ToLongFunction<T> size) {
        long length = head(id).length() + metaLength + FILES.length() + end(files.size()).length();
        String separator = FIRST;
        for (Map.Entry<String, T> f : files.entrySet()) {
            length += separator.length() + f.getKey().length() + NAME_END.length()
                    + (size.applyAsLong(f.getValue()) + 2) / 3 * 4;
            separator = NEXT;
        }
        return length;
    }

    /**
     * The message's JSON, UTF-8, written straight as bytes: ids and file names are safe names and
     * base64 is ASCII, so nothing needs escaping, and meta.json goes in as it is. Its length is
     * counted first, so it is written into one array of that length (no growing buffer and no copy
     * to trim it: this runs for every crash sent).
     */
    public byte[] toJson() {
        Base64.Encoder base64 = Base64.getEncoder();
        byte[] meta = (metaJson == null ? "null" : metaJson).getBytes(StandardCharsets.UTF_8);
        long length = length(id, meta.length, files, bytes -> bytes.length);
        if (length > MAX_BYTES) {
            throw new IllegalStateException("crash " + id + " is too large for one MQTT message (" + length + " bytes)");
        }
        byte[] json = new byte[(int) length];
        int at = put(json, put(json, 0, ascii(head(id))), meta);
        at = put(json, at, ascii(FILES));
        String separator = FIRST;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            at = put(json, at, ascii(separator + f.getKey() + NAME_END));
            at = put(json, at, base64.encode(f.getValue()));
            separator = NEXT;
        }
        if (put(json, at, ascii(end(files.size()))) != json.length) {
            throw new IllegalStateException("crash " + id + ": message length miscounted");
        }
        return json;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Copies {@code from} into {@code to} at {@code at}; returns the position after it. */
    private static int put(byte[] to, int at, byte[] from) {
        System.arraycopy(from, 0, to, at, from.length);
        return at + from.length;
    }

    /**
     * Parses and checks a message: a JSON object with a safe {@code id}, {@code meta} an object or
     * null, {@code files} an object of safe names to base64.
     */
    public static CrashMessage parse(byte[] payload) throws MalformedCrashException {
        JsonElement root;
        try {
            root = JsonParser.parseString(new String(payload, StandardCharsets.UTF_8));
        } catch (JsonParseException | StackOverflowError e) { // deep nesting is malformed input too
            throw new MalformedCrashException("not JSON: " + e.getMessage());
        }
        if (!root.isJsonObject()) {
            throw new MalformedCrashException("not a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        String id = string(o, "id");
        if (!Names.safe(id)) {
            throw new MalformedCrashException("id '" + id + "' is not a safe name");
        }
        JsonElement meta = o.get("meta");
        if (meta != null && !meta.isJsonNull() && !meta.isJsonObject()) {
            throw new MalformedCrashException("meta is not a JSON object");
        }
        JsonElement filesElement = o.get("files");
        if (filesElement == null || !filesElement.isJsonObject()) {
            throw new MalformedCrashException("files is missing or not a JSON object");
        }
        Map<String, byte[]> files = new TreeMap<>();
        Base64.Decoder base64 = Base64.getDecoder();
        for (Map.Entry<String, JsonElement> f : filesElement.getAsJsonObject().entrySet()) {
            if (!Names.safe(f.getKey())) {
                throw new MalformedCrashException("file name '" + f.getKey() + "' is not a safe name");
            }
            JsonElement v = f.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new MalformedCrashException("file " + f.getKey() + " is not a base64 string");
            }
            try {
                files.put(f.getKey(), base64.decode(v.getAsString()));
            } catch (IllegalArgumentException e) {
                throw new MalformedCrashException("file " + f.getKey() + " is not base64: " + e.getMessage());
            }
        }
        return new CrashMessage(id, meta == null || meta.isJsonNull() ? null : meta.toString(), files);
    }

    private static String string(JsonObject o, String name) throws MalformedCrashException {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new MalformedCrashException(name + " is missing or not a string");
        }
        return e.getAsString();
    }
}
