package org.pstore.uplink;

import java.util.random.RandomGenerator;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The uplink's connection to its broker: a fresh Paho client per connection (Paho 1.2.5 cannot
 * always reconnect a client), subscribed to the gateway's command topics, and {@link Backoff} with
 * jitter between failed attempts instead of Paho's automatic reconnect.
 */
final class BrokerConnection {

    private static final long CONNECT_TIMEOUT_MILLIS = 15_000;

    private final UplinkSettings settings;
    private final MqttCallback callback;
    private final Backoff backoff;
    private volatile MqttAsyncClient client; // null: not connected (yet)

    BrokerConnection(UplinkSettings settings, MqttCallback callback) {
        this.settings = settings;
        this.callback = callback;
        this.backoff = new Backoff(settings.retryMin(), settings.retryMax(), RandomGenerator.getDefault());
    }

    /** Paho checks a URI when it is set: a bad one is refused at start, not at each attempt. */
    static void checkUri(String broker) {
        new MqttConnectOptions().setServerURIs(new String[] {broker});
    }

    boolean isConnected() {
        MqttAsyncClient c = client;
        return c != null && c.isConnected();
    }

    /** Replaces the client by a newly connected one; on failure there is none until the next attempt. */
    void connect() throws MqttException {
        PahoClients.discard(client);
        client = null;
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true); // what is not acknowledged is in the archive, not in a broker session
        o.setAutomaticReconnect(false); // our own backoff, with jitter
        o.setConnectionTimeout(10);
        o.setKeepAliveInterval(30);
        o.setMaxInflight(settings.inflight());
        NoDelaySockets.applyTo(o, settings.broker());
        if (!settings.username().isEmpty()) {
            o.setUserName(settings.username());
        }
        if (!settings.password().isEmpty()) {
            o.setPassword(settings.password().toCharArray());
        }
        MqttAsyncClient c = new MqttAsyncClient(settings.broker(), "pstore-uplink-" + settings.gatewayId(),
                new MemoryPersistence());
        c.setCallback(callback);
        try {
            c.connect(o).waitForCompletion(CONNECT_TIMEOUT_MILLIS);
            c.subscribe(Topics.commands(settings.topicPrefix(), settings.gatewayId()), 1)
                    .waitForCompletion(CONNECT_TIMEOUT_MILLIS);
        } catch (MqttException e) {
            PahoClients.discard(c);
            throw e;
        }
        client = c;
        backoff.reset();
    }

    /** Waits before the next attempt after a failure. */
    void backOff() throws InterruptedException {
        Thread.sleep(backoff.nextMillis());
    }

    /** Publishes with QoS 1; {@code listener} hears of the PUBACK or the failure. */
    void publish(String topic, byte[] payload, Object context, IMqttActionListener listener) throws MqttException {
        current().publish(topic, payload, 1, false, context, listener);
    }

    void publish(String topic, byte[] payload) throws MqttException {
        current().publish(topic, payload, 1, false);
    }

    private MqttAsyncClient current() throws MqttException {
        MqttAsyncClient c = client;
        if (c == null) {
            throw new MqttException(MqttException.REASON_CODE_CLIENT_NOT_CONNECTED);
        }
        return c;
    }

    /** Disconnects politely if connected, then ends the client whatever its state. */
    void close() throws MqttException {
        MqttAsyncClient c = client;
        try {
            if (c != null && c.isConnected()) {
                c.disconnect(1000).waitForCompletion(2000);
            }
        } finally {
            PahoClients.discard(c);
        }
    }

    /** Ends a client whatever its state; its unacknowledged publishes fail and are sent again. */
    static String describe(Throwable e) {
        if (e instanceof MqttException m) {
            return m.getMessage() + " (reason " + m.getReasonCode() + ")";
        }
        return String.valueOf(e);
    }
}
