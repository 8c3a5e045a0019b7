package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** Kura-style requests to a gateway through a real Mosquitto, by the operator and by clients without the right. */
class RemoteRequestsTest {

    @TempDir
    Path dir;
    Mosquitto broker;
    UplinkClient uplink;
    Observer operator;
    Map<String, byte[]> c1;

    @BeforeEach
    void start() throws Exception {
        broker = Mosquitto.start(dir.resolve("broker"), UplinkClientTest.USERS, Mosquitto.FLEET_ACL);
        Path archive = Files.createDirectories(dir.resolve("archive"));
        c1 = CrashFixtures.write(archive, "c1", 2000, 1);
        CrashFixtures.write(archive, "c2", 500, 2);
        uplink = new UplinkClient(UplinkClientTest.settings(broker.uri(), "gw-a", "gw-a", "secret-a", 0, 0),
                archive, dir.resolve("state"));
        uplink.start();
        Waiting.until("both sent", 10_000, () -> uplink.status().sent() == 2, uplink::status);
        operator = new Observer(broker.uri(), "operator", "secret-o").subscribe("pstore/gw-a/reply/#");
    }

    @AfterEach
    void stop() throws Exception {
        operator.close();
        uplink.close();
        broker.close();
    }

    /** Sends a request as {@code client} and returns the next reply the operator sees. */
    JsonObject request(Observer client, String command, String body, String replyId) throws Exception {
        client.publish("pstore/gw-a/cmd/" + command, body.getBytes(StandardCharsets.UTF_8));
        Observer.Received r = operator.next(10_000);
        assertNotNull(r, "a reply to " + command + " " + body);
        assertEquals("pstore/gw-a/reply/" + replyId, r.topic());
        JsonObject reply = JsonParser.parseString(new String(r.payload(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(replyId, reply.get("request.id").getAsString());
        return reply;
    }

    static List<String> ids(JsonObject listReply) {
        return listReply.getAsJsonArray("data").asList().stream()
                .map(e -> e.getAsJsonObject().get("id").getAsString()).toList();
    }

    @Test
    void listGetAndErase() throws Exception {
        JsonObject list = request(operator, "list", "{\"request.id\":\"r1\"}", "r1");
        assertEquals(200, list.get("status").getAsInt());
        assertEquals(List.of("c1", "c2"), ids(list));
        JsonObject first = list.getAsJsonArray("data").get(0).getAsJsonObject();
        assertTrue(first.get("sent").getAsBoolean());
        assertEquals(c1.values().stream().mapToLong(b -> b.length).sum(), first.get("size").getAsLong());

        JsonObject get = request(operator, "get", "{\"request.id\":\"r2\",\"id\":\"c1\"}", "r2");
        assertEquals(200, get.get("status").getAsInt());
        JsonObject files = get.getAsJsonObject("data").getAsJsonObject("files");
        for (Map.Entry<String, byte[]> f : c1.entrySet()) {
            assertArrayEquals(f.getValue(), Base64.getDecoder().decode(files.get(f.getKey()).getAsString()));
        }

        JsonObject erase = request(operator, "erase", "{\"request.id\":\"r3\",\"id\":\"c2\"}", "r3");
        assertEquals(200, erase.get("status").getAsInt());
        assertFalse(Files.exists(dir.resolve("archive/c2")));
        assertEquals(List.of("c1"), ids(request(operator, "list", "{\"request.id\":\"r4\"}", "r4")));
        assertEquals(404, request(operator, "erase", "{\"request.id\":\"r5\",\"id\":\"c2\"}", "r5")
                .get("status").getAsInt());
    }

    @Test
    void malformedRequestsGetErrorRepliesAndTheGatewayCarriesOn() throws Exception {
        record Case(String command, String body, String replyTo, int status) {
        }
        List<Case> cases = List.of(
                new Case("list", "not json", RemoteRequests.NO_REQUEST_ID, 400),
                new Case("list", "[1,2]", RemoteRequests.NO_REQUEST_ID, 400),
                new Case("list", "{\"id\":\"c1\"}", RemoteRequests.NO_REQUEST_ID, 400),
                new Case("list", "{\"request.id\":\"a/b\"}", RemoteRequests.NO_REQUEST_ID, 400),
                new Case("list", "{\"request.id\":7}", RemoteRequests.NO_REQUEST_ID, 400),
                new Case("list", "[".repeat(100_000), RemoteRequests.NO_REQUEST_ID, 400),
                new Case("get", "{\"request.id\":\"m1\"}", "m1", 400),
                new Case("get", "{\"request.id\":\"m2\",\"id\":\"../state\"}", "m2", 400),
                new Case("erase", "{\"request.id\":\"m3\",\"id\":\"..\"}", "m3", 400),
                new Case("erase", "{\"request.id\":\"m4\",\"id\":\"c1/../../state\"}", "m4", 400),
                new Case("get", "{\"request.id\":\"m5\",\"id\":\"nope\"}", "m5", 404),
                new Case("reboot", "{\"request.id\":\"m6\"}", "m6", 404));
        for (Case c : cases) {
            JsonObject reply = request(operator, c.command(), c.body(), c.replyTo());
            assertEquals(c.status(), reply.get("status").getAsInt(), c.toString());
            assertTrue(reply.get("error").getAsString().length() > 0, c.toString());
        }
        assertTrue(Files.isDirectory(dir.resolve("archive/c1")));
        assertTrue(Files.exists(dir.resolve("state/sent.log")));
        assertTrue(uplink.status().connected());
        assertEquals(List.of("c1", "c2"), ids(request(operator, "list", "{\"request.id\":\"ok\"}", "ok")));
    }

    @Test
    void aClientWithoutTheRightCannotErase() throws Exception {
        try (Observer otherGateway = new Observer(broker.uri(), "gw-b", "secret-b");
             Observer collector = new Observer(broker.uri(), "collector", "secret-c")) {
            otherGateway.publish("pstore/gw-a/cmd/erase", "{\"request.id\":\"x1\",\"id\":\"c1\"}".getBytes(StandardCharsets.UTF_8));
            collector.publish("pstore/gw-a/cmd/erase", "{\"request.id\":\"x2\",\"id\":\"c2\"}".getBytes(StandardCharsets.UTF_8));
        }
        // the broker handles publishes in order: had it passed the erases on, they would have come before this list
        JsonObject list = request(operator, "list", "{\"request.id\":\"after\"}", "after");
        assertEquals(List.of("c1", "c2"), ids(list));
        assertTrue(Files.isDirectory(dir.resolve("archive/c1")) && Files.isDirectory(dir.resolve("archive/c2")));
        String log = broker.log();
        assertEquals(2, log.lines().filter(l -> l.contains("Denied PUBLISH") && l.contains("pstore/gw-a/cmd/erase")).count(), log);
    }
}
