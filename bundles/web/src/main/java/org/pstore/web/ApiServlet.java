package org.pstore.web;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.pstore.api.BackendStatus;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.ZoneStatus;
import org.pstore.api.archive.Crash;
import org.pstore.api.archive.CrashArchive;

/**
 * The JSON API under {@code /pstore/api/}: {@code status}, {@code zones}, {@code records},
 * {@code records/NAME} (GET the bytes, DELETE erases), {@code crashes}, {@code crashes/ID}.
 *
 * <p>A DELETE must carry {@value #TOKEN_HEADER} with the token {@code status} gives: another
 * site's page can neither read that token nor send the header without a CORS preflight this
 * servlet never grants, so it cannot make the browser erase a record with the user's credentials.
 */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect(WebContext.SELECT)
@HttpWhiteboardServletPattern("/api/*")
public class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String TOKEN_HEADER = "X-Pstore-Token";

    @Reference
    private transient Pstore pstore;

    @Reference
    private transient PstoreRegistry registry;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile transient CrashArchive archive;

    private final String token = newToken();

    private static String newToken() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** A refusal on its way to the client as a JSON error. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        try {
            String prefix = request.getContextPath() + request.getServletPath();
            String raw = request.getRequestURI();
            List<String> parts = raw.startsWith(prefix) ? RequestPath.parts(raw.substring(prefix.length())) : null;
            if (parts == null) {
                throw new Refused(400, "not a valid API path");
            }
            switch (request.getMethod()) {
                case "GET" -> get(parts, response);
                case "DELETE" -> delete(parts, request, response);
                default -> {
                    response.setHeader("Allow", "GET, DELETE");
                    throw new Refused(405, "method not allowed");
                }
            }
        } catch (Refused r) {
            Json.error(response, r.status, r.getMessage());
        } catch (NoSuchRecordException e) {
            Json.error(response, 404, e.getMessage());
        } catch (PstoreException e) {
            boolean inactive = registry.status().active() == null;
            Json.error(response, inactive ? 409 : 500, inactive ? "no active pstore backend" : e.getMessage());
        }
    }

    private void get(List<String> parts, HttpServletResponse response) throws IOException, PstoreException, Refused {
        String what = parts.isEmpty() ? "" : parts.get(0);
        boolean one = parts.size() == 2;
        switch (what) {
            case "status" -> {
                if (one) {
                    throw new Refused(404, "no such resource");
                }
                Json.send(response, 200, status());
            }
            case "zones" -> {
                requireActive();
                if (one) {
                    throw new Refused(404, "no such resource");
                }
                Json.send(response, 200, registry.zones().stream().map(ApiServlet::zone).toList());
            }
            case "records" -> {
                requireActive();
                if (!one) {
                    Json.send(response, 200, pstore.records().stream().map(ApiServlet::record).toList());
                    return;
                }
                byte[] bytes = pstore.read(existing(parts.get(1)).name());
                response.setStatus(200);
                response.setContentType("application/octet-stream");
                response.setHeader("Cache-Control", "no-store");
                response.setContentLength(bytes.length);
                response.getOutputStream().write(bytes);
            }
            case "crashes" -> {
                CrashArchive a = archive;
                if (a == null) {
                    throw new Refused(404, "no crash archive in this gateway");
                }
                if (!one) {
                    Json.send(response, 200, a.crashes().stream().map(ApiServlet::crash).toList());
                    return;
                }
                Optional<Crash> crash = a.crash(parts.get(1));
                if (crash.isEmpty()) {
                    throw new Refused(404, "no crash with that id");
                }
                Json.send(response, 200, crash(crash.get()));
            }
            default -> throw new Refused(404, "no such resource");
        }
    }

    private void delete(List<String> parts, HttpServletRequest request, HttpServletResponse response)
            throws IOException, PstoreException, Refused {
        if (parts.size() != 2 || !parts.get(0).equals("records")) {
            response.setHeader("Allow", "GET");
            throw new Refused(405, "only a record can be erased");
        }
        if (!token.equals(request.getHeader(TOKEN_HEADER)) || crossSite(request)) {
            throw new Refused(403, "a change needs the page's token, from the page's own origin");
        }
        requireActive();
        String name = existing(parts.get(1)).name();
        pstore.erase(name);
        Json.send(response, 200, Map.of("erased", name));
    }

    /** A request the browser says came from another site (an Origin or Sec-Fetch-Site that is not ours). */
    private static boolean crossSite(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return true;
        }
        String origin = request.getHeader("Origin");
        return origin != null && !origin.equals(request.getScheme() + "://" + request.getHeader("Host"));
    }

    private void requireActive() throws Refused {
        if (registry.status().active() == null) {
            throw new Refused(409, "no active pstore backend");
        }
    }

    /** The record the backend lists under exactly this name: names are never used to build anything. */
    private PstoreRecord existing(String name) throws PstoreException, Refused {
        for (PstoreRecord r : pstore.records()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        throw new Refused(404, "no record with that name");
    }

    private JsonObject status() {
        BackendStatus s = registry.status();
        JsonObject json = Json.object(s);
        json.addProperty("token", token);
        return json;
    }

    private static Map<String, Object> zone(ZoneStatus z) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", z.type().label());
        m.put("index", z.index());
        m.put("offset", z.offset());
        m.put("size", z.size());
        m.put("state", z.state());
        m.put("dirty", z.dirty());
        m.put("detail", z.detail());
        return m;
    }

    private static Map<String, Object> record(PstoreRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("type", r.type().label());
        m.put("id", r.id());
        m.put("time", r.time() == null ? null : r.time().toString());
        m.put("size", r.size());
        return m;
    }

    private static Map<String, Object> crash(Crash c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("time", c.time() == null ? null : c.time().toString());
        m.put("reason", c.reason());
        m.put("counter", c.counter());
        m.put("size", c.size());
        m.put("summary", c.summary());
        m.put("files", new ArrayList<>(c.files()));
        m.put("archived", c.archived() == null ? null : c.archived().toString());
        return m;
    }
}
