package org.pstore.web;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import jakarta.servlet.http.HttpServletResponse;

/** JSON answers: every body the API sends, errors included, is a JSON object or array. */
final class Json {

    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    /** The object as a JSON tree, nulls included. */
    static com.google.gson.JsonObject object(Object value) {
        return GSON.toJsonTree(value).getAsJsonObject();
    }

    static void send(HttpServletResponse response, int status, Object body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(UTF_8);
        response.setStatus(status);
        response.setContentType("application/json;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static void error(HttpServletResponse response, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        send(response, status, body);
    }
}
