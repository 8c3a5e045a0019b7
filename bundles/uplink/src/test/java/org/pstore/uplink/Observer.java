package org.pstore.uplink;

import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** A plain Paho client of the test: publishes, and keeps what arrives on its subscription. */
public final class Observer implements AutoCloseable {

    /** One message received. */
    public record Received(String topic, byte[] payload) {
    }

    private final MqttClient client;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    public Observer(String uri, String user, String password) throws MqttException {
        this(uri, user, password, null);
    }

    /** With a client id: a persistent session that outlives a broker restart, reconnected by Paho. */
    public Observer(String uri, String user, String password, String sessionId) throws MqttException {
        client = new MqttClient(uri, sessionId != null ? sessionId
                : "test-" + user + "-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        o.setCleanSession(sessionId == null);
        o.setAutomaticReconnect(sessionId != null);
        o.setMaxReconnectDelay(500);
        client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.add(new Received(topic, message.getPayload()));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        client.connect(o);
    }

    public Observer subscribe(String filter) throws MqttException {
        client.subscribe(filter, 1);
        return this;
    }

    /** Publishes with QoS 1 and returns once the broker acknowledged. */
    public void publish(String topic, byte[] payload) throws MqttException {
        client.publish(topic, payload, 1, false);
    }

    /** The next message, or null after {@code millis}. */
    public Received next(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect(1000);
            }
        } catch (MqttException e) {
            client.disconnectForcibly(0, 1000, false); // the broker closed it first
        }
        client.close(true);
    }
}
