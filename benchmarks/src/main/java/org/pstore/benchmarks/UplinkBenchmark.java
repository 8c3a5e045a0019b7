package org.pstore.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pstore.uplink.CrashFixtures;
import org.pstore.uplink.CrashMessage;
import org.pstore.uplink.Mosquitto;
import org.pstore.uplink.UplinkClient;
import org.pstore.uplink.UplinkSettings;

/**
 * A batch of archived crashes through the uplink (read the folder, encode, publish QoS 1, wait for
 * the PUBACK, force the sent mark), against the baseline: raw Paho QoS 1 publishes of the same
 * payloads, already encoded, with the same number in flight, to the same Mosquitto in the same run.
 * One operation is the whole batch, from the first ARCHIVED event (or publish) to the last
 * acknowledgement. Needs Debian's mosquitto.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
public class UplinkBenchmark {

    static final int INFLIGHT = 10;

    @Param({"200"})
    int crashes;

    @Param({"4000"})
    int dmesgBytes;

    Path dir;
    Mosquitto broker;
    Path staging;
    final List<String> ids = new ArrayList<>();
    final List<byte[]> payloads = new ArrayList<>();
    MqttAsyncClient raw;
    UplinkClient uplink;
    Path archive;
    int run;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("uplink-bench");
        broker = Mosquitto.start(dir.resolve("broker"), Map.of("gw-bench", "pw", "gw-raw", "pw"), Mosquitto.FLEET_ACL);
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
        raw.connect(o).waitForCompletion(10_000);
    }

    /** A connected uplink on an archive that already holds the batch, which it has not been told about. */
    @Setup(Level.Invocation)
    public void freshUplink() throws Exception {
        Path run = dir.resolve("run-" + this.run++);
        archive = Files.createDirectories(run.resolve("archive"));
        uplink = new UplinkClient(new UplinkSettings(broker.uri(), "gw-bench", "gw-bench", "pw", "pstore", 0, 0,
                Duration.ofMillis(100), Duration.ofSeconds(1), INFLIGHT), archive, run.resolve("state"));
        uplink.start();
        for (int i = 0; i < 1000 && !uplink.status().connected(); i++) {
            Thread.sleep(5);
        }
        for (String id : ids) {
            Files.move(staging.resolve(id), archive.resolve(id));
        }
    }

    @Benchmark
    public long uplink() throws Exception {
        for (String id : ids) {
            uplink.archived(id);
        }
        while (uplink.status().sent() < crashes) {
            Thread.sleep(1); // polling faster would take the CPU the uplink needs
        }
        return uplink.status().sent();
    }

    @Benchmark
    public int rawPaho() throws Exception {
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

    @TearDown(Level.Invocation)
    public void closeUplink() throws Exception {
        uplink.close();
        for (String id : ids) {
            Files.move(archive.resolve(id), staging.resolve(id));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        raw.disconnect().waitForCompletion(5000);
        raw.close();
        broker.close();
    }
}
