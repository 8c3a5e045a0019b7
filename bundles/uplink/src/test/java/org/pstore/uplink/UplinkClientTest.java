package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.uplink.UplinkStatus;

import com.google.gson.JsonParser;

/** The uplink against a real Mosquitto with passwords and the fleet's ACL. */
class UplinkClientTest {

    static final Map<String, String> USERS = Map.of("gw-a", "secret-a", "gw-b", "secret-b",
            "collector", "secret-c", "operator", "secret-o");

    @TempDir
    static Path brokerDir;
    static Mosquitto broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = Mosquitto.start(brokerDir, USERS, Mosquitto.FLEET_ACL);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    static UplinkSettings settings(String uri, String gateway, String user, String password, int perHour, long perDay) {
        return new UplinkSettings(uri, gateway, user, password, "pstore", perHour, perDay,
                Duration.ofMillis(100), Duration.ofSeconds(1), 10);
    }

    UplinkClient start(UplinkSettings settings) throws IOException {
        UplinkClient c = new UplinkClient(settings, dir.resolve("archive"), dir.resolve("state"));
        c.start();
        return c;
    }

    Path archive() throws IOException {
        return Files.createDirectories(dir.resolve("archive"));
    }

    static void assertSameCrash(String id, Map<String, byte[]> expected, Observer.Received got) throws Exception {
        assertEquals("pstore/gw-a/crash/" + id, got.topic());
        CrashMessage m = CrashMessage.parse(got.payload());
        assertEquals(id, m.id());
        assertEquals(expected.keySet(), m.files().keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), m.files().get(name), name);
        }
        assertEquals(JsonParser.parseString(new String(expected.get("meta.json"), StandardCharsets.UTF_8)),
                JsonParser.parseString(m.metaJson()));
    }

    @Test
    void theBacklogAndEveryArchivedCrashArriveByteIdentical() throws Exception {
        Map<String, byte[]> c1 = CrashFixtures.write(archive(), "c1", 3000, 1);
        Map<String, byte[]> c2 = CrashFixtures.write(archive(), "c2", 100, 2);
        try (Observer collector = new Observer(broker.uri(), "collector", "secret-c").subscribe("pstore/+/crash/+");
             UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 0, 0))) {
            assertSameCrash("c1", c1, collector.next(30_000));
            assertSameCrash("c2", c2, collector.next(30_000));
            Map<String, byte[]> c3 = CrashFixtures.write(archive(), "c3", 70_000, 3);
            uplink.archived("c3");
            assertSameCrash("c3", c3, collector.next(30_000));
            Waiting.until("3 sent, none left", 5000, () -> uplink.status().sent() == 3 && uplink.status().backlog() == 0,
                    uplink::status);
            UplinkStatus s = uplink.status();
            assertTrue(s.connected());
            assertEquals("gw-a", s.gatewayId());
            assertNull(collector.next(300), "nothing else");
        }
    }

    @Test
    void aRestartNeitherLosesNorResendsWhatWasAcknowledged() throws Exception {
        CrashFixtures.write(archive(), "c1", 500, 1);
        CrashFixtures.write(archive(), "c2", 500, 2);
        try (UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 0, 0))) {
            Waiting.until("2 sent", 30_000, () -> uplink.status().sent() == 2, uplink::status);
        }
        Map<String, byte[]> c3 = CrashFixtures.write(archive(), "c3", 500, 3); // archived while the uplink was down
        try (Observer collector = new Observer(broker.uri(), "collector", "secret-c").subscribe("pstore/+/crash/+");
             UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 0, 0))) {
            assertSameCrash("c3", c3, collector.next(30_000));
            Map<String, byte[]> c4 = CrashFixtures.write(archive(), "c4", 500, 4);
            uplink.archived("c4");
            assertSameCrash("c4", c4, collector.next(30_000)); // and nothing of c1, c2 in between
            Waiting.until("4 sent", 5000, () -> uplink.status().sent() == 4, uplink::status);
        }
        List<String> lines = Files.readAllLines(dir.resolve("state").resolve(SentLog.FILE));
        assertEquals(List.of("c1", "c2", "c3", "c4"), lines.stream().map(l -> l.split(" ")[2]).sorted().toList());
    }

    @Test
    void aWrongPasswordIsRefusedAndNothingIsMarkedSent() throws Exception {
        refused("gw-a", "wrong");
    }

    @Test
    void noPasswordIsRefused() throws Exception {
        refused("gw-a", "");
    }

    @Test
    void noUserIsRefused() throws Exception {
        refused("", "");
    }

    private void refused(String user, String password) throws Exception {
        CrashFixtures.write(archive(), "c1", 500, 1);
        try (Observer collector = new Observer(broker.uri(), "collector", "secret-c").subscribe("pstore/+/crash/+");
             UplinkClient uplink = start(settings(broker.uri(), "gw-a", user, password, 0, 0))) {
            Waiting.until("the refusal", 5000, () -> uplink.status().lastError().contains("Not authorized"),
                    uplink::status);
            Thread.sleep(500); // a few more attempts, with backoff
            UplinkStatus s = uplink.status();
            assertFalse(s.connected());
            assertEquals(0, s.sent());
            assertEquals(1, s.backlog());
            assertNull(collector.next(200));
        }
        assertEquals(0, Files.size(dir.resolve("state").resolve(SentLog.FILE)));
    }

    @Test
    void aGatewayPublishesOnlyUnderItsOwnId() throws Exception {
        CrashFixtures.write(archive(), "c1", 500, 1);
        // gateway id gw-b with gw-a's credentials: Mosquitto's ACL drops the publish
        try (Observer collector = new Observer(broker.uri(), "collector", "secret-c").subscribe("pstore/+/crash/+");
             UplinkClient uplink = start(settings(broker.uri(), "gw-b", "gw-a", "secret-a", 0, 0))) {
            Waiting.until("the broker's denial", 30_000, () -> broker.log().contains("Denied PUBLISH")
                    && broker.log().contains("pstore/gw-b/crash/c1"));
            assertNull(collector.next(500), "the collector never sees it");
        }
    }

    @Test
    void theBacklogWaitsOnDiskWhileTheBrokerIsDownThenGoes() throws Exception {
        Path own = Files.createDirectories(dir.resolve("broker"));
        try (Mosquitto down = Mosquitto.start(own, USERS, Mosquitto.FLEET_ACL);
             Observer collector = new Observer(down.uri(), "collector", "secret-c", "test-collector-down")
                     .subscribe("pstore/+/crash/+")) {
            down.stop();
            Map<String, byte[]> c1 = CrashFixtures.write(archive(), "c1", 500, 1);
            Map<String, byte[]> c2 = CrashFixtures.write(archive(), "c2", 500, 2);
            try (UplinkClient uplink = start(settings(down.uri(), "gw-a", "gw-a", "secret-a", 0, 0))) {
                Waiting.until("connection failures", 5000, () -> !uplink.status().lastError().isEmpty());
                Thread.sleep(1500); // several attempts, backing off
                assertEquals(2, uplink.status().backlog());
                assertFalse(uplink.status().connected());
                assertTrue(Files.isDirectory(dir.resolve("archive/c1")), "the backlog is the archive itself");
                down.restart();
                Waiting.until("both sent", 30_000, () -> uplink.status().sent() == 2, uplink::status);
                List<Observer.Received> got = new ArrayList<>(List.of(collector.next(30_000), collector.next(30_000)));
                assertSameCrash("c1", c1, got.get(0));
                assertSameCrash("c2", c2, got.get(1));
            }
        }
    }

    @Test
    void rateLimitsHoldAlsoAcrossARestart() throws Exception {
        for (int i = 1; i <= 5; i++) {
            CrashFixtures.write(archive(), "c" + i, 500, i);
        }
        try (Observer collector = new Observer(broker.uri(), "collector", "secret-c").subscribe("pstore/+/crash/+")) {
            try (UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 2, 0))) {
                Waiting.until("2 sent", 30_000, () -> uplink.status().sent() == 2, uplink::status);
                Thread.sleep(1000);
                assertEquals(2, uplink.status().sent());
                assertEquals(3, uplink.status().backlog());
            }
            try (UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 2, 0))) {
                Waiting.until("connected", 30_000, () -> uplink.status().connected());
                Thread.sleep(1000);
                assertEquals(2, uplink.status().sent(), "the hour's budget was spent before the restart");
            }
            assertEquals("pstore/gw-a/crash/c1", collector.next(1000).topic());
            assertEquals("pstore/gw-a/crash/c2", collector.next(1000).topic());
            assertNull(collector.next(200));
        }
    }

    @Test
    void aCrashLargerThanTheDaysBudgetIsHeldAndTheOthersGo() throws Exception {
        CrashFixtures.write(archive(), "c1", 30_000, 1);
        CrashFixtures.write(archive(), "c2", 500, 2);
        CrashFixtures.write(archive(), "c3", 500, 3);
        try (UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 0, 20_000))) {
            Waiting.until("c2 and c3 sent", 30_000, () -> uplink.status().sent() == 2, uplink::status);
            assertEquals(1, uplink.status().backlog());
            assertTrue(uplink.status().lastError().contains("c1"), uplink.status().lastError());
            assertTrue(uplink.status().lastError().contains("larger than max.bytes.per.day"));
        }
    }

    @Test
    void aCrashTooLargeForOneMessageIsHeldAndTheSenderGoesOn() throws Exception {
        Path huge = Files.createDirectories(archive().resolve("c1"));
        try (RandomAccessFile f = new RandomAccessFile(huge.resolve("dmesg.txt").toFile(), "rw")) {
            f.setLength(300_000_000); // sparse: more than MQTT carries in one message, and than this heap should take
        }
        Map<String, byte[]> c2 = CrashFixtures.write(archive(), "c2", 500, 2);
        try (Observer collector = new Observer(broker.uri(), "collector", "secret-c").subscribe("pstore/+/crash/+");
             UplinkClient uplink = start(settings(broker.uri(), "gw-a", "gw-a", "secret-a", 0, 0))) {
            assertSameCrash("c2", c2, collector.next(30_000));
            Waiting.until("c2 marked sent", 5000, () -> uplink.status().sent() == 1, uplink::status);
            UplinkStatus s = uplink.status();
            assertTrue(s.lastError().contains("c1") && s.lastError().contains("too large for one MQTT message"),
                    s.lastError());
            assertEquals(1, s.backlog(), "c1 is held, not dropped");
            assertTrue(s.connected());
            Map<String, byte[]> c3 = CrashFixtures.write(archive(), "c3", 500, 3);
            uplink.archived("c3");
            assertSameCrash("c3", c3, collector.next(30_000)); // the sender is alive
            assertNull(collector.next(300), "nothing of c1");
        }
    }

    @Test
    void withOnePublishInFlightEveryCrashIsMarkedInTurn() throws Exception {
        for (int i = 1; i <= 5; i++) {
            CrashFixtures.write(archive(), "c" + i, 500, i);
        }
        UplinkSettings one = new UplinkSettings(broker.uri(), "gw-a", "gw-a", "secret-a", "pstore", 0, 0,
                Duration.ofMillis(100), Duration.ofSeconds(1), 1);
        try (UplinkClient uplink = start(one)) {
            // each PUBACK is the last one awaited: its mark is forced without waiting for others
            Waiting.until("5 sent", 30_000, () -> uplink.status().sent() == 5, uplink::status);
            assertEquals(0, uplink.status().backlog());
        }
        assertEquals(List.of("c1", "c2", "c3", "c4", "c5"), Files.readAllLines(dir.resolve("state").resolve(SentLog.FILE))
                .stream().map(l -> l.split(" ")[2]).toList(), "one at a time, oldest first");
    }
}
