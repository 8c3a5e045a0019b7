package org.pstore.collector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.uplink.CrashFixtures;
import org.pstore.uplink.CrashMessage;
import org.pstore.uplink.Mosquitto;
import org.pstore.uplink.Observer;
import org.pstore.uplink.Waiting;

/** The collector against a real Mosquitto: durable, once, rejected with a reason, shared, stopped cleanly. */
class CollectorTest {

    static final Map<String, String> USERS = Map.of("gw-a", "secret-a", "collector", "secret-c");

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

    /** An in-process collector and what it prints. */
    record Running(Collector collector, ByteArrayOutputStream out) implements AutoCloseable {
        String text() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        long count(String word) {
            return text().lines().filter(l -> l.contains(" " + word + " ")).count();
        }

        @Override
        public void close() {
            collector.close();
        }
    }

    Running collect(String... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("--broker", broker.uri(), "--dir", dir.resolve("collected").toString(),
                "--username", "collector", "--password", "secret-c"));
        args.addAll(List.of(extra));
        Collector c = CollectCommand.start(args.toArray(String[]::new), new PrintStream(out, true), new PrintStream(err, true));
        assertTrue(c != null, err.toString(StandardCharsets.UTF_8));
        return new Running(c, out);
    }

    /** A crash message as gw-a's uplink sends it, and its files. */
    record Sent(byte[] payload, Map<String, byte[]> files) {
    }

    Sent crash(String id, int size) throws IOException {
        Path archive = Files.createDirectories(dir.resolve("archive"));
        Map<String, byte[]> files = CrashFixtures.write(archive, id, size, id.hashCode());
        return new Sent(CrashMessage.read(archive.resolve(id)).toJson(), files);
    }

    void assertStored(String id, Map<String, byte[]> files) throws IOException {
        Path folder = dir.resolve("collected/gw-a").resolve(id);
        try (Stream<Path> entries = Files.list(folder)) {
            assertEquals(files.keySet(), entries.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            assertArrayEquals(f.getValue(), Files.readAllBytes(folder.resolve(f.getKey())), f.getKey());
        }
    }

    static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachCrashIsStoredOnceByteIdentical() throws Exception {
        Sent c1 = crash("c1", 5000);
        try (Running r = collect("--client-id", "once"); Observer gw = new Observer(broker.uri(), "gw-a", "secret-a")) {
            gw.publish("pstore/gw-a/crash/c1", c1.payload());
            gw.publish("pstore/gw-a/crash/c1", c1.payload()); // QoS 1 may deliver twice
            Waiting.until("stored and a duplicate", 30_000, () -> r.count("stored") == 1 && r.count("duplicate") == 1, r::text);
        }
        assertStored("c1", c1.files());
        assertEquals(List.of("gw-a"), names(dir.resolve("collected")));
        assertEquals(List.of("c1"), names(dir.resolve("collected/gw-a")));
    }

    @Test
    void malformedMessagesAreSetAsideWithTheReasonAndNothingEscapes() throws Exception {
        Sent good = crash("c1", 500);
        Sent other = crash("c9", 600);
        try (Running r = collect("--client-id", "rejects"); Observer gw = new Observer(broker.uri(), "gw-a", "secret-a")) {
            gw.publish("pstore/gw-a/crash/c1", good.payload());
            gw.publish("pstore/gw-a/crash/c2", "not json".getBytes(StandardCharsets.UTF_8));
            gw.publish("pstore/gw-a/crash/c3", good.payload()); // says c1 inside
            gw.publish("pstore/gw-a/crash/..", good.payload());
            gw.publish("pstore/gw-a/crash/c4", "{\"id\":\"c4\",\"files\":{\"../../escaped\":\"AA==\"}}".getBytes(StandardCharsets.UTF_8));
            gw.publish("pstore/gw-a/crash/c1", new String(other.payload(), StandardCharsets.UTF_8)
                    .replace("\"c9\"", "\"c1\"").getBytes(StandardCharsets.UTF_8)); // another crash under c1's id
            Waiting.until("1 stored, 5 rejected", 30_000, () -> r.count("stored") == 1 && r.count("rejected") == 5, r::text);
        }
        assertStored("c1", good.files());
        assertEquals(List.of("gw-a", "rejected"), names(dir.resolve("collected")));
        assertEquals(List.of("c1"), names(dir.resolve("collected/gw-a")));
        List<String> reasons = new ArrayList<>();
        for (String r : names(dir.resolve("collected/rejected"))) {
            Path folder = dir.resolve("collected/rejected").resolve(r);
            assertEquals(List.of("payload", "reason.txt", "topic.txt"), names(folder));
            reasons.add(Files.readString(folder.resolve("reason.txt")).trim());
        }
        assertEquals(5, reasons.size());
        assertTrue(reasons.stream().anyMatch(s -> s.startsWith("not JSON")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(s -> s.contains("is not the topic's 'c3'")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(s -> s.contains("crash id '..' is not a safe name")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(s -> s.contains("file name '../../escaped' is not a safe name")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(s -> s.contains("differs from the copy already stored")), reasons.toString());
        assertFalse(Files.exists(dir.resolve("escaped")) || Files.exists(dir.resolve("collected/escaped")));
    }

    @Test
    void aCrashIsAcknowledgedOnlyOnceItIsDurable() throws Exception {
        Sent c1 = crash("c1", 500);
        Path collected = Files.createDirectories(dir.resolve("collected"));
        Files.writeString(collected.resolve("gw-a"), "a file where the gateway's folder goes: every write fails");
        try (Running r = collect("--client-id", "durable"); Observer gw = new Observer(broker.uri(), "gw-a", "secret-a")) {
            gw.publish("pstore/gw-a/crash/c1", c1.payload());
            Waiting.until("the failure", 30_000, () -> r.text().contains("not stored"), r::text);
            Files.delete(collected.resolve("gw-a")); // the fault goes away: the unacknowledged message comes again
            Waiting.until("stored", 30_000, () -> r.count("stored") == 1, r::text);
        }
        assertStored("c1", c1.files());
    }

    @Test
    void aWrongPasswordIsRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertNull(CollectCommand.start(new String[] {"--broker", broker.uri(), "--dir", dir.toString(),
                "--username", "collector", "--password", "wrong"}, System.out, new PrintStream(err, true)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Not authorized"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void collectorsOfAGroupShareTheCrashes() throws Exception {
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(crash("s" + i, 300));
        }
        try (Running a = collect("--group", "ops", "--client-id", "ops-a");
             Running b = collect("--group", "ops", "--client-id", "ops-b");
             Observer gw = new Observer(broker.uri(), "gw-a", "secret-a")) {
            for (int i = 0; i < sent.size(); i++) {
                gw.publish("pstore/gw-a/crash/s" + i, sent.get(i).payload());
            }
            Waiting.until("20 stored", 30_000, () -> a.count("stored") + b.count("stored") == 20, () -> a.text() + b.text());
            assertTrue(a.count("stored") > 0 && b.count("stored") > 0, a.count("stored") + " / " + b.count("stored"));
            assertEquals(0, a.count("duplicate") + b.count("duplicate"));
        }
        for (int i = 0; i < sent.size(); i++) {
            assertStored("s" + i, sent.get(i).files());
        }
    }

    @Test
    void ctrlCStopsItCleanly() throws Exception {
        Path out = dir.resolve("collector.out");
        CollectorProcess p = new CollectorProcess(out, "--broker", broker.uri(), "--dir", dir.resolve("collected").toString(),
                "--username", "collector", "--password", "secret-c", "--client-id", "ctrl-c").start();
        int status = p.terminate();
        assertEquals(143, status, "SIGTERM, as Ctrl-C's SIGINT, runs the shutdown hook (128 + 15)");
        assertTrue(Files.readString(out).lines().anyMatch(l -> l.endsWith(" stopped")), Files.readString(out));
    }
}
