package org.pstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.pstore.api.archive.CrashArchive;
import org.pstore.api.uplink.Uplink;

/**
 * The uplink bundle in the gateway's own runtime: configured through Configuration Admin, fed by
 * Event Admin, publishing to a real Mosquitto (started outside the framework). The test lays crash
 * folders out in the archive's folder itself, as the archive does.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UplinkIT {

    static final String BROKER = "pstore.it.broker";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    EventAdmin events;

    /** The broker's URI, in the JVM that runs Felix (Pax Exam asks for the configuration more than once). */
    static String brokerUri;

    /** The archive's folder, chosen once as the broker is. */
    static String archiveFolder;

    @Configuration
    public Option[] config() throws IOException {
        if (brokerUri == null) {
            Path dir = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), "broker-" + UUID.randomUUID()));
            org.pstore.uplink.Mosquitto broker = org.pstore.uplink.Mosquitto.start(dir,
                    Map.of("gw-osgi", "pw-osgi", "collector", "pw-c"), org.pstore.uplink.Mosquitto.FLEET_ACL);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
            brokerUri = broker.uri();
        }
        Path etc = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), "etc-uplink"));
        if (archiveFolder == null) { // a new one each run: the work folder outlives the build
            archiveFolder = Path.of(System.getProperty("pstore.work.dir"), "uplink-archive-" + UUID.randomUUID()).toString();
        }
        Files.writeString(etc.resolve("org.pstore.archive.cfg"), "directory=" + archiveFolder + "\nkernel.dir=\n");
        List<Option> options = new ArrayList<>(List.of(
                GatewayRuntimeOptions.of(Path.of(System.getProperty("pstore.gateway.runtime")), etc)));
        options.add(systemProperty(BROKER).value(brokerUri));
        return options.toArray(Option[]::new);
    }

    static void crash(Path archive, String id, String text) throws IOException {
        Path tmp = Files.createDirectories(archive.resolve("." + id));
        Files.writeString(tmp.resolve("meta.json"), "{\"id\":\"" + id + "\"}");
        Files.writeString(tmp.resolve("dmesg.txt"), text);
        Files.move(tmp, archive.resolve(id));
    }

    @Test
    public void archivedCrashesGoToTheBrokerAndTheStatusSaysSo() throws Exception {
        Path work = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), UUID.randomUUID().toString()));
        // the gateway's archive folder (a new one each run), where the test lays crashes out as the archive does
        Path archive = Files.createDirectories(context.getService(context.getServiceReference(CrashArchive.class)).directory());
        crash(archive, "c1", "Oops#1 Part1\nbefore the uplink started\n");
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        MqttClient collector = new MqttClient(System.getProperty(BROKER), "it-collector", new MemoryPersistence());
        collector.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("collector");
        o.setPassword("pw-c".toCharArray());
        collector.connect(o);
        collector.subscribe("pstore/+/crash/+", 1);
        org.osgi.service.cm.Configuration config = configAdmin.getConfiguration("org.pstore.uplink", "?");
        try {
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("broker", System.getProperty(BROKER));
            p.put("gateway.id", "gw-osgi");
            p.put("username", "gw-osgi");
            p.put("password", "pw-osgi");
            p.put("state.dir", work.resolve("state").toString());
            config.update(p);

            String first = received.poll(30, TimeUnit.SECONDS);
            assertNotNull("the backlog's crash", first);
            assertTrue(first, first.startsWith("pstore/gw-osgi/crash/c1 {\"id\":\"c1\",\"meta\":{\"id\":\"c1\"},\"files\":{"));

            crash(archive, "c2", "Oops#2 Part1\nafter\n");
            events.postEvent(new Event(CrashArchive.TOPIC_ARCHIVED,
                    Map.of(CrashArchive.EVENT_ID, "c2", CrashArchive.EVENT_FOLDER, archive.resolve("c2").toString())));
            String second = received.poll(30, TimeUnit.SECONDS);
            assertNotNull("the ARCHIVED event's crash", second);
            assertTrue(second, second.startsWith("pstore/gw-osgi/crash/c2 "));

            await("2 sent", () -> uplink() != null && uplink().status().sent() == 2 && uplink().status().backlog() == 0);
            assertTrue(uplink().status().connected());
            assertEquals("gw-osgi", uplink().status().gatewayId());
        } finally {
            config.delete();
            collector.disconnect();
            collector.close();
        }
    }

    /** The uplink service, null until its component is active. */
    Uplink uplink() {
        var ref = context.getServiceReference(Uplink.class);
        return ref == null ? null : context.getService(ref);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
