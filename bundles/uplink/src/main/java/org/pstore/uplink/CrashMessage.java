package org.pstore.uplink;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

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

    public CrashMessage {
        files = Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /** Reads a complete crash folder (its name is the id; files whose names start with '.' are skipped). */
    public static CrashMessage read(Path folder) throws IOException {
        String id = Names.check("crash id", folder.getFileName().toString());
        Map<String, byte[]> files = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (Names.safe(name) && Files.isRegularFile(p)) {
                    files.put(name, Files.readAllBytes(p));
                }
            }
        }
        byte[] meta = files.get(META);
        return new CrashMessage(id, meta == null ? null : objectOrNull(new String(meta, StandardCharsets.UTF_8)), files);
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

    /**
     * The message's JSON, UTF-8, written straight as bytes: ids and file names are safe names and
     * base64 is ASCII, so nothing needs escaping, and meta.json goes in as it is.
     */
    public byte[] toJson() {
        Base64.Encoder base64 = Base64.getEncoder();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, size() * 4 / 3 + 1024));
        ascii(out, "{\"id\":\"" + id + "\",\"meta\":");
        out.writeBytes(metaJson == null ? "null".getBytes(StandardCharsets.US_ASCII) : metaJson.getBytes(StandardCharsets.UTF_8));
        ascii(out, ",\"files\":{");
        String separator = "\"";
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            ascii(out, separator + f.getKey() + "\":\"");
            out.writeBytes(base64.encode(f.getValue()));
            separator = "\",\"";
        }
        ascii(out, files.isEmpty() ? "}}" : "\"}}");
        return out.toByteArray();
    }

    private static void ascii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
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
