package org.pstore.uplink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The gateway's answers to Kura-style requests on {@code <prefix>/<gateway>/cmd/list|get|erase}:
 * a JSON object carrying {@code request.id} (and {@code id}, the crash, for get and erase). Every
 * request gets a reply, bad ones an error status; nothing a request holds is thrown.
 */
final class RemoteRequests {

    /** Where the reply goes when the request has no usable {@code request.id}. */
    static final String NO_REQUEST_ID = "invalid";

    static final int OK = 200;
    static final int BAD_REQUEST = 400;
    static final int NOT_FOUND = 404;
    static final int FAILED = 500;

    static final String ERASING = ".erasing-";

    /** A reply: {@code {"request.id", "status", "data", "error"}}. */
    record Reply(String requestId, int status, JsonElement data, String error) {
        byte[] toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("request.id", requestId);
            o.addProperty("status", status);
            o.add("data", data == null ? JsonNull.INSTANCE : data);
            if (error != null) {
                o.addProperty("error", error);
            }
            return o.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    private final Path archive;
    private final Predicate<String> sent;
    private final Consumer<String> erased;

    RemoteRequests(Path archive, Predicate<String> sent, Consumer<String> erased) {
        this.archive = archive;
        this.sent = sent;
        this.erased = erased;
    }

    Reply handle(String command, byte[] body) {
        JsonObject request;
        try {
            JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                return new Reply(NO_REQUEST_ID, BAD_REQUEST, null, "the request is not a JSON object");
            }
            request = e.getAsJsonObject();
        } catch (JsonParseException | StackOverflowError e) {
            return new Reply(NO_REQUEST_ID, BAD_REQUEST, null, "the request is not JSON");
        }
        String requestId = string(request, "request.id");
        if (!Names.safe(requestId)) {
            return new Reply(NO_REQUEST_ID, BAD_REQUEST, null, "request.id is missing or not a safe name");
        }
        try {
            return switch (command) {
                case "list" -> new Reply(requestId, OK, list(), null);
                case "get" -> get(requestId, crashId(request));
                case "erase" -> erase(requestId, crashId(request));
                default -> new Reply(requestId, NOT_FOUND, null, "unknown command '" + command + "' (list, get, erase)");
            };
        } catch (IllegalArgumentException e) {
            return new Reply(requestId, BAD_REQUEST, null, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Reply(requestId, FAILED, null, command + " failed: " + e);
        }
    }

    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }

    private static String crashId(JsonObject request) {
        return Names.check("id", string(request, "id"));
    }

    private JsonArray list() throws IOException {
        JsonArray crashes = new JsonArray();
        for (Path folder : crashFolders(archive)) {
            JsonObject c = new JsonObject();
            String id = folder.getFileName().toString();
            c.addProperty("id", id);
            JsonArray files = new JsonArray();
            long size = 0;
            try (Stream<Path> entries = Files.list(folder)) {
                for (Path f : entries.sorted().toList()) {
                    files.add(f.getFileName().toString());
                    size += Files.size(f);
                }
            }
            c.addProperty("size", size);
            c.add("files", files);
            c.addProperty("sent", sent.test(id));
            crashes.add(c);
        }
        return crashes;
    }

    private Reply get(String requestId, String id) throws IOException {
        Path folder = archive.resolve(id);
        if (!Files.isDirectory(folder)) {
            return new Reply(requestId, NOT_FOUND, null, "no crash '" + id + "'");
        }
        byte[] json = CrashMessage.read(folder).toJson();
        return new Reply(requestId, OK, JsonParser.parseString(new String(json, StandardCharsets.UTF_8)), null);
    }

    /** Takes the folder out of the archive's view in one rename, then removes it. */
    private Reply erase(String requestId, String id) throws IOException {
        Path folder = archive.resolve(id);
        if (!Files.isDirectory(folder)) {
            return new Reply(requestId, NOT_FOUND, null, "no crash '" + id + "'");
        }
        Path doomed = archive.resolve(ERASING + id);
        Files.move(folder, doomed, StandardCopyOption.ATOMIC_MOVE);
        Durable.forceFolder(archive);
        erased.accept(id);
        deleteTree(doomed);
        JsonObject data = new JsonObject();
        data.addProperty("id", id);
        return new Reply(requestId, OK, data, null);
    }

    /** The complete crash folders of an archive, in name order; none when it does not exist. */
    static List<Path> crashFolders(Path archive) throws IOException {
        List<Path> folders = new ArrayList<>();
        if (!Files.isDirectory(archive)) {
            return folders;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(archive)) {
            for (Path p : entries) {
                if (Names.safe(p.getFileName().toString()) && Files.isDirectory(p)) {
                    folders.add(p);
                }
            }
        }
        folders.sort(Comparator.naturalOrder());
        return folders;
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
