package org.pstore.uplink.component;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;
import org.pstore.api.ByteSize;
import org.pstore.api.archive.CrashArchive;
import org.pstore.api.uplink.Uplink;
import org.pstore.api.uplink.UplinkStatus;
import org.pstore.uplink.UplinkClient;
import org.pstore.uplink.UplinkSettings;

/**
 * The uplink of this gateway's archive: an {@link UplinkClient} per configuration, fed by the
 * archive's {@code ARCHIVED} events. A changed configuration restarts it (DS reactivates).
 */
@Component(configurationPid = UplinkConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, // the backlog goes at start, before anyone asks for the service or an event comes
        service = {Uplink.class, EventHandler.class},
        property = EventConstants.EVENT_TOPIC + "=" + CrashArchive.TOPIC_ARCHIVED)
@Designate(ocd = UplinkConfig.class)
public class UplinkComponent implements Uplink, EventHandler {

    private final String configuredId; // empty: the host name
    private final UplinkClient client; // null: off
    private final Object lock = new Object();
    private String hostName;           // guarded by lock: the first answer, null until asked

    @Activate
    public UplinkComponent(UplinkConfig config, @Reference CrashArchive archive) throws IOException {
        configuredId = config.gateway_id();
        if (config.broker().isEmpty()) {
            client = null; // the host name is looked up only when asked for: it may mean a DNS query
            return;
        }
        client = new UplinkClient(UplinkSettings.of(config.broker(), gatewayId(), config.username(), config.password(),
                config.topic_prefix(), config.max_per_hour(), ByteSize.parse(config.max_bytes_per_day())),
                archive.directory(), Path.of(config.state_dir()));
        client.start();
    }

    /**
     * The configured id, else the host name as first looked up: the JDK caches a lookup for a few
     * seconds only, and the answer may change (DNS, or the fallback when it fails), while a gateway's
     * id must not from one status to the next.
     */
    private String gatewayId() {
        if (!configuredId.isEmpty()) {
            return configuredId;
        }
        synchronized (lock) {
            if (hostName != null) {
                return hostName;
            }
        }
        String looked; // outside the lock: it may mean a DNS query
        try {
            looked = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            looked = "gateway";
        }
        synchronized (lock) {
            if (hostName == null) {
                hostName = looked; // two first callers at once: both answer with the one kept
            }
            return hostName;
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        if (client != null) {
            client.close();
        }
    }

    @Override
    public void handleEvent(Event event) {
        if (client != null && event.getProperty(CrashArchive.EVENT_ID) instanceof String id) {
            client.archived(id);
        }
    }

    @Override
    public UplinkStatus status() {
        return client == null ? new UplinkStatus("", gatewayId(), false, 0, 0, "") : client.status();
    }
}
