package org.pstore.collector;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.pstore.uplink.Backoff;
import org.pstore.uplink.NoDelaySockets;
import org.pstore.uplink.PahoClients;
import org.pstore.uplink.Topics;

/**
 * Subscribes to every gateway's crashes (through a shared subscription when a group is given) and
 * hands each message to the {@link CrashStore} on a few writer threads; the PUBACK goes only once the
 * store returned, so a crash is either durable or redelivered. The broker keeps the session
 * (clean session off) while the collector is away; a lost connection is made again with backoff.
 */
public final class Collector implements Closeable {

    /** How one collector connects. */
    public record Settings(String broker, String username, String password, String group, String prefix,
                           String clientId) {
        String filter() {
            String crashes = Topics.allCrashes(prefix);
            return group.isEmpty() ? crashes : "$share/" + group + "/" + crashes;
        }
    }

    private final Settings settings;
    private final CrashStore store;
    private final PrintStream out;
    /** Writers: each crash takes several forces, which the disk overlaps when several are waiting. */
    private static final int WRITERS = 4;

    private final ExecutorService writer = Executors.newFixedThreadPool(WRITERS, r -> new Thread(r, "pstore-collector-writer"));
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), RandomGenerator.getDefault());
    private final Thread keeper = new Thread(this::keepConnected, "pstore-collector-connection");
    private final Object lock = new Object();
    private MqttAsyncClient client; // guarded by lock: a fresh one per connection (Paho 1.2.5 cannot always reconnect one)
    private boolean lost;           // guarded by lock
    private boolean closed;         // guarded by lock

    public Collector(Settings settings, CrashStore store, PrintStream out) {
        this.settings = settings;
        this.store = store;
        this.out = out;
    }

    Settings settings() {
        return settings;
    }

    /** Connects and subscribes; a refused first connection (wrong password, no broker) throws. */
    public void start() throws MqttException, IOException {
        store.removeLeftovers();
        connect();
        keeper.setDaemon(true);
        keeper.start();
    }

    private void connect() throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient(settings.broker(), settings.clientId(), new MemoryPersistence());
        c.setManualAcks(true);
        c.setCallback(new Callback(c));
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(false); // the broker keeps what was sent and not acknowledged for this client id
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        NoDelaySockets.applyTo(o, settings.broker()); // its acknowledgements would wait for Nagle, as the uplink's publishes did
        if (!settings.username().isEmpty()) {
            o.setUserName(settings.username());
        }
        if (!settings.password().isEmpty()) {
            o.setPassword(settings.password().toCharArray());
        }
        try {
            c.connect(o).waitForCompletion(15_000);
            c.subscribe(settings.filter(), 1).waitForCompletion(15_000);
        } catch (MqttException e) {
            PahoClients.discard(c);
            throw e;
        }
        synchronized (lock) {
            client = c;
            lost = false;
        }
        backoff.reset();
        log("connected to " + settings.broker() + " as " + settings.clientId() + ", subscribed to " + settings.filter());
    }

    /** Reconnects after a lost connection, with backoff and jitter between attempts. */
    private void keepConnected() {
        try {
            while (true) {
                synchronized (lock) {
                    while (!lost && !closed) {
                        lock.wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                Thread.sleep(backoff.nextMillis());
                try {
                    connect();
                } catch (MqttException e) {
                    log("reconnect failed: " + e.getMessage() + " (reason " + e.getReasonCode() + ")");
                }
            }
        } catch (InterruptedException stopping) {
            // closed
        }
    }

    private void dropConnection(MqttAsyncClient c) {
        synchronized (lock) {
            if (client != c || closed) {
                return;
            }
            lost = true;
            lock.notifyAll();
        }
        PahoClients.discard(c);
    }

    private void log(String line) {
        synchronized (out) {
            out.println(Instant.now() + " " + line);
            out.flush();
        }
    }

    private final class Callback implements MqttCallback {
        private final MqttAsyncClient owner;

        Callback(MqttAsyncClient owner) {
            this.owner = owner;
        }

        @Override
        public void connectionLost(Throwable cause) {
            log("connection lost (reconnecting): " + cause);
            synchronized (lock) {
                if (client == owner) {
                    lost = true;
                    lock.notifyAll();
                }
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                writer.execute(() -> store(owner, topic, message));
            } catch (RejectedExecutionException stopping) {
                // not acknowledged: the broker delivers it again to the next collector
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // the collector publishes nothing
        }
    }

    private void store(MqttAsyncClient from, String topic, MqttMessage message) {
        CrashStore.Result r;
        try {
            r = store.store(topic, message.getPayload());
        } catch (IOException | RuntimeException e) {
            // not acknowledged; Mosquitto sends an unacknowledged message again only on a new connection
            log("not stored, trying again on a new connection: " + topic + ": " + e);
            dropConnection(from);
            return;
        }
        switch (r.outcome()) {
            case STORED -> log("stored " + r.where() + " " + r.bytes() + " bytes");
            case DUPLICATE -> log("duplicate " + r.where() + " (kept once)");
            case REJECTED -> log("rejected " + topic + " -> " + r.where() + ": " + r.reason());
        }
        try {
            from.messageArrivedComplete(message.getId(), message.getQos()); // on the connection it came on
        } catch (MqttException e) {
            log("acknowledgement of " + topic + " not sent (it comes again, and is kept once): " + e.getMessage());
        }
    }

    /** Finishes the message being written and disconnects; what is not acknowledged comes again. */
    @Override
    public void close() {
        MqttAsyncClient c;
        synchronized (lock) {
            closed = true;
            c = client;
            lock.notifyAll();
        }
        keeper.interrupt();
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
            if (c != null && c.isConnected()) {
                c.disconnect(2000).waitForCompletion(3000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (MqttException e) {
            log("disconnect: " + e.getMessage());
        } finally {
            if (c != null) {
                PahoClients.discard(c);
            }
        }
        log("stopped");
    }
}
