package org.pstore.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.uplink.CrashFixtures;
import org.pstore.uplink.CrashMessage;
import org.pstore.uplink.Mosquitto;
import org.pstore.uplink.Observer;
import org.pstore.uplink.Waiting;

/** {@code java -jar pstore-tool.jar collect} against a real Mosquitto. */
class CollectIT {

    @TempDir
    Path dir;

    Process collect(Path out, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", System.getProperty("pstore.tool.jar"), "collect"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    @Test
    void collectsACrashUntilStopped() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), Map.of("gw-a", "pa", "collector", "pc"),
                Mosquitto.FLEET_ACL)) {
            Path out = dir.resolve("out");
            Process p = collect(out, "--broker", broker.uri(), "--dir", dir.resolve("fleet").toString(),
                    "--username", "collector", "--password", "pc");
            Waiting.until("subscribed", 30_000, () -> read(out).contains("subscribed to pstore/+/crash/+"), () -> read(out));
            Map<String, byte[]> files = CrashFixtures.write(Files.createDirectories(dir.resolve("archive")), "c1", 4000, 1);
            try (Observer gw = new Observer(broker.uri(), "gw-a", "pa")) {
                gw.publish("pstore/gw-a/crash/c1", CrashMessage.read(dir.resolve("archive/c1")).toJson());
            }
            Waiting.until("stored", 10_000, () -> read(out).contains("stored gw-a/c1"), () -> read(out));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                assertArrayEquals(f.getValue(), Files.readAllBytes(dir.resolve("fleet/gw-a/c1").resolve(f.getKey())));
            }
            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook disconnects
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(read(out).strip().endsWith("stopped"), read(out));
        }
    }

    @Test
    void aRefusedConnectionIsOneLineAndStatusTwo() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), Map.of("collector", "pc"), Mosquitto.FLEET_ACL)) {
            Path out = dir.resolve("out");
            Process p = collect(out, "--broker", broker.uri(), "--dir", dir.resolve("fleet").toString(),
                    "--username", "collector", "--password", "wrong");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue());
            assertTrue(read(out).startsWith("pstore-tool collect: ") && read(out).contains("Not authorized"), read(out));
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
