package org.pstore.uplink;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;

/** What the uplink and the collector do alike with a Paho client they are done with. */
public final class PahoClients {

    private PahoClients() {
    }

    /**
     * Drops a client for good, connected or not, without waiting: Paho 1.2.5 can hang reconnecting
     * a client, so a connection that ended is never reused; a new client is made for the next one.
     */
    public static void discard(MqttAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            c.disconnectForcibly(0, 0, false);
        } catch (MqttException notConnected) {
            // nothing to disconnect
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            // closed with force: nothing is left to release
        }
    }
}
