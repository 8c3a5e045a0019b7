package org.pstore.itests;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.RecordType;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * The web view's API over real HTTP, in Felix with Felix HTTP Jetty: what it answers, to whom,
 * and what hostile requests get.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class WebApiIT {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1));
    static final String USER = "operator";
    static final String PASSWORD = "it-web-7f3a9c21"; // the same in the test's JVM and the framework's
    static final String PMSG = "pmsg from the earlier run: caf\u00e9 \u2713\n";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    PstoreRegistry registry;

    Path work;
    Path image;
    RawHttp http;
    org.osgi.service.cm.Configuration device;

    /**
     * The gateway's own runtime. Its etc folder keeps the archive off /sys and the working folder,
     * and gives the web view its credentials (its defaults would make a password file).
     */
    @Configuration
    public Option[] config() throws IOException {
        Path etc = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), "etc-web"));
        Files.writeString(etc.resolve("org.pstore.archive.cfg"),
                "directory=" + etc.resolveSibling("web-archive") + "\nkernel.dir=\nunlink=false\n");
        Files.writeString(etc.resolve("org.pstore.web.cfg"),
                "port=0\naddress=127.0.0.1\nusername=" + USER + "\npassword=" + PASSWORD + "\n");
        List<Option> options = new ArrayList<>(List.of(
                GatewayRuntimeOptions.of(Path.of(System.getProperty("pstore.gateway.runtime")), etc)));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        return options.toArray(Option[]::new);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A partition left by an earlier run: two oopses and a pmsg record. */
    @Before
    public void earlierRunAndGateway() throws Exception {
        long started = System.currentTimeMillis();
        work = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), "web-" + UUID.randomUUID()));
        image = work.resolve("a.img");
        try (ImageFile d = ImageFile.create(image, 1 << 20); ZoneEngine e = ZoneEngine.open(d, CONFIG)) {
            e.dump(DumpReason.OOPS, "Oops#1 Part1\n<1>[    1.000000] BUG: first crash\n".getBytes(US_ASCII), false);
            e.dump(DumpReason.OOPS, "Oops#2 Part1\n<1>[    2.000000] BUG: second crash\n".getBytes(US_ASCII), false);
            e.append(RecordType.PMSG, PMSG.getBytes(UTF_8));
        }
        configure("org.pstore.registration", "kmsg.size", "4K");
        configure("org.pstore.archive", "directory", work.resolve("archive").toString(), "kernel.dir", "", "unlink", false);
        device = configAdmin.createFactoryConfiguration("org.pstore.driver.file", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", image.toString());
        p.put("name", "a");
        device.update(p);
        await("a active", () -> "a".equals(registry.status().activeName()));
        System.out.println("WebApiIT: backend active in " + (System.currentTimeMillis() - started) + " ms");
        configure("org.pstore.web", "port", 0, "address", "127.0.0.1", "username", USER, "password", PASSWORD);
        http = new RawHttp(port());
        System.out.println("WebApiIT: gateway ready in " + (System.currentTimeMillis() - started) + " ms");
    }

    void configure(String pid, Object... keysAndValues) throws IOException {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> p = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        c.update(p);
    }

    /** The port Jetty listens on, from the HTTP runtime's endpoint, once the page answers there. */
    int port() throws Exception {
        int[] port = {0};
        await("the web view listening", () -> {
            try {
                ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.http.endpoint=*)");
                if (refs == null) {
                    return false;
                }
                Object endpoint = refs[0].getProperty("osgi.http.endpoint");
                String url = endpoint instanceof String[] a ? a[0]
                        : endpoint instanceof Collection<?> c ? String.valueOf(c.iterator().next()) : String.valueOf(endpoint);
                int p = Integer.parseInt(url.replaceAll("^http://127\\.0\\.0\\.1:(\\d+)/.*$", "$1"));
                try (Socket s = new Socket("127.0.0.1", p)) {
                    port[0] = p;
                }
                // ours: the endpoint is advertised before Jetty listens there, and another
                // process may listen on that port (8080, say), but only ours takes this password
                return new RawHttp(p).send("GET", "/pstore/api/status", auth()).status() == 200;
            } catch (Exception notYet) {
                return false;
            }
        });
        return port[0];
    }

    static String auth() {
        return "Authorization: " + RawHttp.basic(USER, PASSWORD);
    }

    RawHttp.Answer get(String path) throws IOException {
        return http.send("GET", path, auth());
    }

    JsonElement json(String path) throws IOException {
        RawHttp.Answer a = get(path);
        assertEquals(path + ": " + a.text(), 200, a.status());
        assertTrue(a.headers().get("content-type"), a.headers().get("content-type").startsWith("application/json"));
        return JsonParser.parseString(a.text());
    }

    List<String> recordNames() throws IOException {
        List<String> names = new ArrayList<>();
        json("/pstore/api/records").getAsJsonArray().forEach(r -> names.add(r.getAsJsonObject().get("name").getAsString()));
        return names;
    }

    static void assertJsonError(RawHttp.Answer a, int status) {
        assertEquals(a.text(), status, a.status());
        JsonObject body = JsonParser.parseString(a.text()).getAsJsonObject();
        assertEquals(status, body.get("status").getAsInt());
        assertFalse(body.get("error").getAsString().isEmpty());
    }

    @Test
    public void nothingAnswersWithoutTheCredentials() throws Exception {
        for (String path : List.of("/pstore/", "/pstore/index.html", "/pstore/app.js", "/pstore/api/status",
                "/pstore/api/zones", "/pstore/api/records", "/pstore/api/records/pmsg-pstore_blk-0",
                "/pstore/api/crashes", "/pstore/api/nothing", "/pstore/nothing")) {
            for (String[] headers : List.of(new String[0], new String[] {"Authorization: " + RawHttp.basic(USER, "wrong")},
                    new String[] {"Authorization: " + RawHttp.basic("admin", PASSWORD)},
                    new String[] {"Authorization: Bearer " + PASSWORD})) {
                RawHttp.Answer a = http.send("GET", path, headers);
                assertJsonError(a, 401);
                assertTrue(path, a.headers().get("www-authenticate").startsWith("Basic realm="));
            }
        }
        RawHttp.Answer delete = http.send("DELETE", "/pstore/api/records/pmsg-pstore_blk-0");
        assertJsonError(delete, 401);
        assertTrue(recordNames().contains("pmsg-pstore_blk-0"));
    }

    @Test
    public void theApiShowsStatusZonesRecordsAndCrashes() throws Exception {
        JsonObject status = json("/pstore/api/status").getAsJsonObject();
        assertEquals("a", status.getAsJsonObject("active").get("name").getAsString());
        assertEquals(4096, status.getAsJsonObject("layout").get("kmsgSize").getAsLong());
        assertEquals(32, status.get("token").getAsString().length());

        // zones: 1 MiB = 64K pmsg + 64K console + 224 kmsg zones of 4K, back to back
        JsonArray zones = json("/pstore/api/zones").getAsJsonArray();
        assertEquals(2 + (1048576 - 2 * 65536) / 4096, zones.size());
        long offset = 0;
        int kmsgRecords = 0;
        for (JsonElement e : zones) {
            JsonObject z = e.getAsJsonObject();
            assertEquals(offset, z.get("offset").getAsLong());
            offset += z.get("size").getAsLong();
            String type = z.get("type").getAsString();
            String state = z.get("state").getAsString();
            assertEquals(type.equals("dmesg") ? 4096 : 65536, z.get("size").getAsLong());
            kmsgRecords += type.equals("dmesg") && state.equals("record") ? 1 : 0;
            if (type.equals("pmsg")) {
                assertEquals("record", state);
            }
            if (type.equals("console")) {
                assertEquals("empty", state);
            }
            assertFalse(z.get("dirty").getAsBoolean());
        }
        assertEquals(1048576, offset);
        assertEquals(2, kmsgRecords);

        List<String> names = recordNames();
        assertEquals(List.of("pmsg-pstore_blk-0", "dmesg-pstore_blk-0", "dmesg-pstore_blk-1"),
                names.stream().sorted((x, y) -> x.startsWith("pmsg") ? -1 : y.startsWith("pmsg") ? 1 : x.compareTo(y)).toList());
        RawHttp.Answer pmsg = get("/pstore/api/records/pmsg-pstore_blk-0");
        assertEquals(200, pmsg.status());
        assertArrayEquals("the bytes as written", PMSG.getBytes(UTF_8), pmsg.body());
        String dump = get("/pstore/api/records/dmesg-pstore_blk-1").text();
        // Linux shows a dump behind its "<Reason>: Total <n> times" line
        assertEquals("Oops: Total 2 times\nOops#2 Part1\n<1>[    2.000000] BUG: second crash\n", dump);

        // the archive copies both dumps (and the pmsg record); newest first
        await("the crashes archived", () -> {
            try {
                return json("/pstore/api/crashes").getAsJsonArray().size() >= 2;
            } catch (IOException | AssertionError e) {
                return false;
            }
        });
        JsonArray crashes = json("/pstore/api/crashes").getAsJsonArray();
        List<String> oopses = new ArrayList<>();
        for (JsonElement e : crashes) {
            JsonObject c = e.getAsJsonObject();
            if (c.get("reason").getAsString().equals("Oops")) {
                oopses.add(c.get("summary").getAsString());
                JsonObject one = json("/pstore/api/crashes/" + c.get("id").getAsString()).getAsJsonObject();
                assertEquals(c.get("id"), one.get("id"));
                assertTrue(one.get("files").toString(), one.get("files").toString().contains("meta.json"));
            }
        }
        assertEquals(List.of("BUG: second crash", "BUG: first crash"), oopses);
        assertJsonError(get("/pstore/api/crashes/20990101-000000-Oops-9"), 404);
    }

    @Test
    public void hostileNamesNeverReachARecordOrAFile() throws Exception {
        Files.writeString(work.resolve("secret"), "SECRET");
        String longName = "dmesg-pstore_blk-" + "0".repeat(5000);
        for (String path : List.of("/pstore/api/records/..", "/pstore/api/records/%2e%2e", "/pstore/api/records/%2E%2E%2Fsecret",
                "/pstore/api/records/..%2f..%2fsecret", "/pstore/api/records/pmsg-pstore_blk-0%2f..",
                "/pstore/api/records/pmsg-pstore_blk-0/..", "/pstore/api/records/.%2e/.%2e/secret",
                "/pstore/api/records/%70msg-pstore_blk-0", "/pstore/api/records/" + longName,
                "/pstore/api/records/pmsg-pstore_blk-\u0660", "/pstore/api/records/pmsg-pstore_blk-0%00",
                "/pstore/api/records/pmsg-pstore_blk-0.enc.z", "/pstore/api/records/PMSG-pstore_blk-0",
                "/pstore/api/crashes/..", "/pstore/api/crashes/..%2f..%2fsecret", "/pstore/api/crashes/%2e%2e%2farchive",
                "/pstore/api/crashes/\u00e9t\u00e9", "/pstore/api/crashes/" + "9".repeat(300),
                "/pstore/api/../api/records/pmsg-pstore_blk-0", "/pstore/%2e%2e/pstore/api/status", "/pstore/../secret")) {
            for (String method : List.of("GET", "DELETE")) {
                RawHttp.Answer a = http.send(method, path, auth(), "X-Pstore-Token: " + token());
                assertTrue(method + " " + path + " -> " + a.status(), a.status() == 400 || a.status() == 404);
                assertFalse(path, a.text().contains("SECRET") || a.text().contains("caf"));
            }
        }
        assertEquals("nothing erased", 3, recordNames().size());
    }

    String token() throws IOException {
        return json("/pstore/api/status").getAsJsonObject().get("token").getAsString();
    }

    @Test
    public void anEraseNeedsThePagesTokenFromThePagesOrigin() throws Exception {
        String path = "/pstore/api/records/dmesg-pstore_blk-0";
        assertJsonError(http.send("DELETE", path, auth()), 403);
        assertJsonError(http.send("DELETE", path, auth(), "X-Pstore-Token: 0123456789abcdef0123456789abcdef"), 403);
        assertJsonError(http.send("DELETE", path, auth(), "X-Pstore-Token: " + token(), "Origin: http://evil.example"), 403);
        assertJsonError(http.send("DELETE", path, auth(), "X-Pstore-Token: " + token(), "Sec-Fetch-Site: cross-site"), 403);
        // a preflight from another site gets no CORS grant
        RawHttp.Answer preflight = http.send("OPTIONS", path, "Origin: http://evil.example",
                "Access-Control-Request-Method: DELETE", "Access-Control-Request-Headers: x-pstore-token");
        assertFalse(preflight.headers().containsKey("access-control-allow-origin"));
        assertTrue(recordNames().contains("dmesg-pstore_blk-0"));

        RawHttp.Answer erased = http.send("DELETE", path, auth(), "X-Pstore-Token: " + token(),
                "Origin: http://127.0.0.1:" + http.port(), "Sec-Fetch-Site: same-origin");
        assertEquals(erased.text(), 200, erased.status());
        assertFalse(recordNames().contains("dmesg-pstore_blk-0"));
        assertJsonError(get(path), 404);
        assertJsonError(http.send("DELETE", path, auth(), "X-Pstore-Token: " + token()), 404);
        assertJsonError(http.send("PUT", path, auth()), 405);
    }

    @Test
    public void withoutABackendTheRecordsAnswer409() throws Exception {
        device.delete();
        await("no backend", () -> registry.status().active() == null);
        JsonObject status = json("/pstore/api/status").getAsJsonObject();
        assertTrue(status.get("active").isJsonNull());
        assertJsonError(get("/pstore/api/records"), 409);
        assertJsonError(get("/pstore/api/records/pmsg-pstore_blk-0"), 409);
        assertJsonError(get("/pstore/api/zones"), 409);
        assertJsonError(http.send("DELETE", "/pstore/api/records/pmsg-pstore_blk-0", auth(), "X-Pstore-Token: " + token()), 409);
    }

    @Test
    public void withoutAPasswordOneIsMadeAndKeptForItsOwnerOnly() throws Exception {
        Path file = work.resolve("pstore-web.password");
        configure("org.pstore.web", "port", 0, "address", "127.0.0.1", "username", USER, "password.file", file.toString());
        await("the password file", () -> Files.exists(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String made = Files.readString(file, UTF_8).trim();
        assertTrue(made, made.length() >= 20);
        RawHttp made200 = http; // the same port: Jetty is not restarted
        await("the new password accepted", () -> {
            try {
                return made200.send("GET", "/pstore/api/status", "Authorization: " + RawHttp.basic(USER, made)).status() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        assertJsonError(made200.send("GET", "/pstore/api/status", auth()), 401);
        assertJsonError(made200.send("GET", "/pstore/api/status", "Authorization: " + RawHttp.basic(USER, "")), 401);
    }
}
