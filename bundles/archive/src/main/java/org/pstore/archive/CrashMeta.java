package org.pstore.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * A crash folder's {@code meta.json}: what the crash is, where its records came from and the
 * sha256 of every file beside it. The records' names and hashes are how a record archived but
 * not yet erased is recognised.
 *
 * @param records the records as they were on the partition
 * @param files   every file of the folder but meta.json, records included
 */
record CrashMeta(String id, String reason, int counter, Instant time, Instant archived, String backend, String device,
                 String summary, List<RecordMeta> records, List<FileMeta> files) {

    /** @param file the record's file in the folder (its name, made safe) */
    record RecordMeta(String name, String file, Instant time, long size, String sha256) {
    }

    record FileMeta(String name, long size, String sha256) {
    }

    static final String FILE = "meta.json";

    byte[] toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("reason", reason);
        o.addProperty("counter", counter);
        o.addProperty("time", time.toString());
        o.addProperty("archived", archived.toString());
        o.addProperty("backend", backend);
        o.addProperty("device", device);
        o.addProperty("summary", summary);
        JsonArray rs = new JsonArray();
        for (RecordMeta r : records) {
            JsonObject e = new JsonObject();
            e.addProperty("name", r.name());
            e.addProperty("file", r.file());
            e.addProperty("time", r.time().toString());
            e.addProperty("size", r.size());
            e.addProperty("sha256", r.sha256());
            rs.add(e);
        }
        o.add("records", rs);
        JsonArray fs = new JsonArray();
        for (FileMeta f : files) {
            JsonObject e = new JsonObject();
            e.addProperty("name", f.name());
            e.addProperty("size", f.size());
            e.addProperty("sha256", f.sha256());
            fs.add(e);
        }
        o.add("files", fs);
        return (new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a meta.json; anything missing or of the wrong kind is an IOException naming it. */
    static CrashMeta parse(byte[] json) throws IOException {
        try {
            JsonObject o = JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
            List<RecordMeta> records = new ArrayList<>();
            for (JsonElement e : array(o, "records")) {
                JsonObject r = e.getAsJsonObject();
                records.add(new RecordMeta(string(r, "name"), string(r, "file"), Instant.parse(string(r, "time")),
                        number(r, "size"), string(r, "sha256")));
            }
            List<FileMeta> files = new ArrayList<>();
            for (JsonElement e : array(o, "files")) {
                JsonObject f = e.getAsJsonObject();
                files.add(new FileMeta(string(f, "name"), number(f, "size"), string(f, "sha256")));
            }
            return new CrashMeta(string(o, "id"), string(o, "reason"), (int) number(o, "counter"),
                    Instant.parse(string(o, "time")), Instant.parse(string(o, "archived")), string(o, "backend"),
                    string(o, "device"), string(o, "summary"), records, files);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException
                 | DateTimeParseException | NumberFormatException e) {
            throw new IOException("malformed " + FILE + ": " + e.getMessage(), e);
        }
    }

    private static JsonArray array(JsonObject o, String key) throws IOException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw new IOException("malformed " + FILE + ": no array '" + key + "'");
        }
        return e.getAsJsonArray();
    }

    private static String string(JsonObject o, String key) throws IOException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IOException("malformed " + FILE + ": no '" + key + "'");
        }
        return e.getAsString();
    }

    private static long number(JsonObject o, String key) throws IOException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IOException("malformed " + FILE + ": no number '" + key + "'");
        }
        return e.getAsLong();
    }
}
