package org.pstore.collector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.uplink.CrashFixtures;
import org.pstore.uplink.Mosquitto;
import org.pstore.uplink.UplinkClient;
import org.pstore.uplink.UplinkSettings;
import org.pstore.uplink.Waiting;

/**
 * The fleet under faults: 200 uplinks in this JVM (each its own archive folder, gateway id, user
 * and broker session) send 10 crashes each through one Mosquitto to a collector (a child JVM).
 * The broker is restarted once in the middle, and the collector is killed with SIGKILL and
 * restarted. Every crash must be in the collector's folder exactly once, byte-identical. {@code -Dpstore.fleet.gateways=N -Dpstore.fleet.crashes=M} scale it.
 *
 * <p>One collector, without a group: Mosquitto 2.0.11 keeps what a persistent session was sent
 * while its client is away, but a message for a {@code $share} group that came while no member was
 * connected (right after the broker's restart) was lost in a run of this test, so the kill and the
 * restart are tested on a plain subscription; {@code CollectorTest} covers a group.
 */
class FleetScaleTest {

    static final int GATEWAYS = Integer.getInteger("pstore.fleet.gateways", 200);
    static final int CRASHES = Integer.getInteger("pstore.fleet.crashes", 10);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves the broker's log and the collectors' output
    Path dir;

    @Test
    void everyCrashArrivesExactlyOnceThroughABrokerRestartAndACollectorKill() throws Exception {
        Map<String, String> users = new HashMap<>();
        List<String> gateways = new ArrayList<>();
        for (int g = 0; g < GATEWAYS; g++) {
            String id = String.format(Locale.ROOT, "gw-%03d", g);
            gateways.add(id);
            users.put(id, "pw-" + id);
        }
        users.put("collector", "secret-c");
        Path collected = dir.resolve("collected");
        Map<String, Map<String, byte[]>> expected = new ConcurrentHashMap<>();
        Map<String, Long> handedAt = new ConcurrentHashMap<>();
        List<UplinkClient> uplinks = new ArrayList<>();
        ExecutorService parallel = Executors.newFixedThreadPool(8);
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), users, Mosquitto.FLEET_ACL);
             CollectorProcess a = collector("a", broker, collected).start()) {
            for (String g : gateways) {
                UplinkClient u = new UplinkClient(new UplinkSettings(broker.uri(), g, g, users.get(g), "pstore", 0, 0,
                        Duration.ofMillis(200), Duration.ofSeconds(3), 10), dir.resolve(g).resolve("archive"),
                        dir.resolve(g).resolve("state"));
                u.start();
                uplinks.add(u);
            }
            for (int round = 0; round < CRASHES; round++) {
                String crash = String.format(Locale.ROOT, "crash-%02d", round);
                for (int g = 0; g < GATEWAYS; g++) {
                    String key = gateways.get(g) + "/" + crash;
                    Path archive = Files.createDirectories(dir.resolve(gateways.get(g)).resolve("archive"));
                    expected.put(key, CrashFixtures.write(archive, crash, 1000 + (g * 37 + round * 101) % 4000, key.hashCode()));
                    handedAt.put(key, System.currentTimeMillis());
                    uplinks.get(g).archived(crash);
                }
                if (round == CRASHES * 3 / 10) {
                    broker.restart(); // SIGTERM: it saves the collectors' sessions; the uplinks reconnect with backoff
                }
                if (round == CRASHES / 2) {
                    a.kill(); // SIGKILL: what it was writing and had not acknowledged comes again
                }
                if (round == CRASHES * 7 / 10) {
                    a.start(); // the same session
                }
                Thread.sleep(200);
            }
            int total = GATEWAYS * CRASHES;
            Waiting.until(total + " crashes in the collectors' folder", 240_000, () -> countCrashes(collected) == total,
                    () -> countCrashes(collected) + " so far; uplinks: backlog " + uplinks.stream()
                            .mapToInt(u -> u.status().backlog()).sum() + ", sent " + uplinks.stream()
                            .mapToLong(u -> u.status().sent()).sum() + ", not connected " + uplinks.stream()
                            .filter(u -> !u.status().connected()).count() + "; in " + dir);
            Waiting.until("every uplink's backlog empty", 60_000,
                    () -> uplinks.stream().allMatch(u -> u.status().backlog() == 0 && u.status().sent() == CRASHES));

            // the oracle: the fixtures the test wrote, compared byte for byte with what the collectors stored
            List<String> gatewayFolders = names(collected);
            assertEquals(gateways, gatewayFolders, "one folder per gateway, no rejected/, nothing else");
            for (String g : gateways) {
                try (Stream<Path> all = Files.list(collected.resolve(g))) {
                    assertEquals(List.of(), all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(),
                            "no temporary folder left, not even the killed collector's");
                }
                List<String> crashes = names(collected.resolve(g));
                assertEquals(CRASHES, crashes.size(), g + ": " + crashes);
                for (String c : crashes) {
                    Map<String, byte[]> files = expected.get(g + "/" + c);
                    assertEquals(files.keySet().stream().sorted().toList(), names(collected.resolve(g).resolve(c)));
                    for (Map.Entry<String, byte[]> f : files.entrySet()) {
                        assertArrayEquals(f.getValue(), Files.readAllBytes(collected.resolve(g).resolve(c).resolve(f.getKey())));
                    }
                }
            }

            // figures, from the collector's own log lines (first time each crash was durable)
            Map<String, Instant> storedAt = new HashMap<>();
            long duplicates = 0;
            for (String name : List.of("collector-a.out")) {
                for (String line : Files.readAllLines(dir.resolve(name))) {
                    String[] f = line.split(" ");
                    if (f.length >= 3 && (f[1].equals("stored") || f[1].equals("duplicate"))) {
                        storedAt.merge(f[2], Instant.parse(f[0]), (x, y) -> x.isBefore(y) ? x : y);
                        duplicates += f[1].equals("duplicate") ? 1 : 0;
                    }
                }
            }
            assertEquals(total, storedAt.size());
            long[] delivery = storedAt.entrySet().stream()
                    .mapToLong(e -> e.getValue().toEpochMilli() - handedAt.get(e.getKey())).sorted().toArray();
            long first = handedAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            long last = storedAt.values().stream().mapToLong(Instant::toEpochMilli).max().orElseThrow();
            double seconds = (last - first) / 1000.0;
            System.out.printf(Locale.ROOT, "fleet: %d gateways x %d crashes = %d crashes through one Mosquitto (restarted once)"
                            + " to a collector (killed with SIGKILL and restarted): %d stored exactly once, byte-identical;"
                            + " %d duplicate deliveries kept once; %.1f s from the first crash archived to the last stored"
                            + " = %.0f crashes/s; delivery time (archived to durable at the collector) p50 %d ms, p99 %d ms,"
                            + " max %d ms%n",
                    GATEWAYS, CRASHES, total, total, duplicates, seconds, total / seconds,
                    delivery[delivery.length / 2], delivery[(int) Math.ceil(delivery.length * 0.99) - 1],
                    delivery[delivery.length - 1]);
        } finally {
            List<Future<?>> closing = new ArrayList<>();
            for (UplinkClient u : uplinks) {
                closing.add(parallel.submit(() -> {
                    u.close();
                    return null;
                }));
            }
            for (Future<?> f : closing) {
                f.get();
            }
            parallel.shutdown();
        }
        assertFalse(Files.exists(collected.resolve(CrashStore.REJECTED)));
    }

    private CollectorProcess collector(String name, Mosquitto broker, Path collected) {
        return new CollectorProcess(dir.resolve("collector-" + name + ".out"), "--broker", broker.uri(),
                "--dir", collected.toString(), "--username", "collector", "--password", "secret-c",
                "--client-id", "fleet-" + name);
    }

    private static long countCrashes(Path collected) {
        long n = 0;
        try {
            for (String g : names(collected)) {
                n += names(collected.resolve(g)).size();
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    /** Names in a folder, sorted, without the collectors' temporary ones. */
    private static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
