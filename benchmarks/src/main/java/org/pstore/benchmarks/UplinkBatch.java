package org.pstore.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.pstore.uplink.CrashFixtures;
import org.pstore.uplink.CrashMessage;
import org.pstore.uplink.Mosquitto;
import org.pstore.uplink.NoDelaySockets;
import org.pstore.uplink.UplinkClient;
import org.pstore.uplink.UplinkSettings;

/**
 * What {@link UplinkBenchmark} and {@link UplinkPairs} measure, in one place: a batch of crash folders
 * sent through a fresh uplink (read, encode, publish QoS 1, PUBACK, sent mark forced), and the same
 * payloads, already encoded, published by raw Paho with QoS 1 and the same number in flight, to the
 * same Mosquitto. Needs Debian's mosquitto.
 */
final class UplinkBatch implements AutoCloseable {

    static final int INFLIGHT = 10;

    private final int crashes;
    private final Path dir;
    private final Mosquitto broker;
    private final Path staging;
    private final List<String> ids = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();
    private final MqttAsyncClient raw;
    private Path archive; // the current uplink's
    private int runs;

    UplinkBatch(int crashes, int dmesgBytes) throws Exception {
        this.crashes = crashes;
        dir = Files.createTempDirectory("uplink-bench");
        // without Nagle's algorithm on the broker's side too: else a PUBACK can wait for the client's
        // delayed ACK (40 ms), on either side of the comparison, at random
        broker = Mosquitto.start(dir.resolve("broker"), Map.of("gw-bench", "pw", "gw-raw", "pw"), Mosquitto.FLEET_ACL,
                "set_tcp_nodelay true");
        staging = Files.createDirectories(dir.resolve("staging"));
        for (int i = 0; i < crashes; i++) {
            String id = String.format("crash-%04d", i);
            CrashFixtures.write(staging, id, dmesgBytes, i);
            ids.add(id);
            payloads.add(CrashMessage.read(staging.resolve(id)).toJson());
        }
        raw = new MqttAsyncClient(broker.uri(), "gw-raw", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("gw-raw");
        o.setPassword("pw".toCharArray());
        o.setMaxInflight(INFLIGHT);
        NoDelaySockets.applyTo(o, broker.uri()); // the uplink's sockets: the comparison is of the work, not of Nagle
        raw.connect(o).waitForCompletion(10_000);
    }

    /** A connected uplink on an archive that already holds the batch, which it has not been told about. */
    UplinkClient freshUplink() throws Exception {
        Path run = dir.resolve("run-" + runs++);
        archive = Files.createDirectories(run.resolve("archive"));
        UplinkClient uplink = new UplinkClient(new UplinkSettings(broker.uri(), "gw-bench", "gw-bench", "pw", "pstore",
                0, 0, Duration.ofMillis(100), Duration.ofSeconds(1), INFLIGHT), archive, run.resolve("state"));
        uplink.start();
        for (int i = 0; i < 1000 && !uplink.status().connected(); i++) {
            Thread.sleep(5);
        }
        for (String id : ids) {
            Files.move(staging.resolve(id), archive.resolve(id));
        }
        return uplink;
    }

    /** Hands the batch to the uplink as ARCHIVED events; returns once the last crash is marked sent on disk. */
    long throughUplink(UplinkClient uplink) throws InterruptedException {
        for (String id : ids) {
            uplink.archived(id);
        }
        while (uplink.status().sent() < crashes) {
            Thread.sleep(1); // polling faster would take the CPU the uplink needs
        }
        return uplink.status().sent();
    }

    /** Closes the uplink and puts the batch back for the next one. */
    void closeUplink(UplinkClient uplink) throws Exception {
        uplink.close();
        for (String id : ids) {
            Files.move(archive.resolve(id), staging.resolve(id));
        }
    }

    /** The same payloads through raw Paho; returns once the last is acknowledged. */
    int throughRawPaho() throws Exception {
        Semaphore window = new Semaphore(INFLIGHT);
        IMqttActionListener release = new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                window.release();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                throw new IllegalStateException("raw publish failed", e);
            }
        };
        for (int i = 0; i < crashes; i++) {
            window.acquire();
            raw.publish("pstore/gw-raw/crash/" + ids.get(i), payloads.get(i), 1, false, null, release);
        }
        window.acquire(INFLIGHT); // the last acknowledgements
        return crashes;
    }

    @Override
    public void close() throws Exception {
        raw.disconnect().waitForCompletion(5000);
        raw.close();
        broker.close();
    }
}
