package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing the uplink, against a real Mosquitto: nothing acknowledged goes unmarked, no false error. */
class UplinkCloseTest {

    /** Mosquitto's debug line for each publish it takes (and, QoS 1, acknowledges at once). */
    static final Pattern RECEIVED = Pattern.compile(
            "Received PUBLISH from pstore-uplink-gw-a \\(d\\d, q1, r\\d, m\\d+, 'pstore/gw-a/crash/([^']+)'");

    @TempDir
    Path dir;

    UplinkClient start(String uri) throws IOException {
        UplinkClient c = new UplinkClient(UplinkClientTest.settings(uri, "gw-a", "gw-a", "secret-a", 0, 0),
                dir.resolve("archive"), dir.resolve("state"));
        c.start();
        return c;
    }

    List<String> marked() throws IOException {
        return Files.readAllLines(dir.resolve("state").resolve(SentLog.FILE)).stream().map(l -> l.split(" ")[2])
                .sorted().toList();
    }

    /**
     * The broker hangs while crashes are in flight and the uplink closes; it answers again while the
     * uplink waits (up to 1 s) to disconnect politely. Those PUBACKs count: every crash the broker
     * took is marked sent, so a restart does not send it again.
     */
    @Test
    void acknowledgementsThatComeWhileDisconnectingAreMarked() throws Exception {
        Path archive = Files.createDirectories(dir.resolve("archive"));
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), UplinkClientTest.USERS, Mosquitto.FLEET_ACL)) {
            UplinkClient uplink = start(broker.uri());
            Thread closing = new Thread(() -> {
                try {
                    uplink.close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try {
                Waiting.until("connected", 30_000, () -> uplink.status().connected(), uplink::status);
                broker.pause();
                for (int i = 1; i <= 8; i++) {
                    CrashFixtures.write(archive, "late-" + i, 500, i);
                    uplink.archived("late-" + i);
                }
                Thread.sleep(300); // published into the socket, unanswered
                closing.start();
                Thread.sleep(300); // the close waits for PUBACKs; nothing else happens meanwhile
            } finally {
                broker.resume();
                if (closing.getState() == Thread.State.NEW) { // failed before: close here
                    uplink.close();
                }
            }
            closing.join(TimeUnit.SECONDS.toMillis(15));
            assertFalse(closing.isAlive(), "closed");
            List<String> received = RECEIVED.matcher(broker.log()).results().map(m -> m.group(1)).sorted().toList();
            assertFalse(received.isEmpty(), "the broker took crashes while the uplink closed: " + broker.log());
            assertEquals(received, marked(), "each crash the broker acknowledged is marked sent");
        }
    }

    /** close() interrupts the sender; a read cut short by it is the end of the run, not a crash that cannot be read. */
    @Test
    void closingWhileACrashIsReadIsNoError() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("archive").resolve("c1"));
        try (RandomAccessFile f = new RandomAccessFile(folder.resolve("dmesg.txt").toFile(), "rw")) {
            f.setLength(100_000_000); // sparse, and long enough to read that the close comes during the read
        }
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), UplinkClientTest.USERS, Mosquitto.FLEET_ACL)) {
            UplinkClient uplink = start(broker.uri());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!uplink.status().connected() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // the sender reads c1 as soon as it is connected: close then
            }
            uplink.close();
            assertEquals("", uplink.status().lastError());
        }
    }
}
