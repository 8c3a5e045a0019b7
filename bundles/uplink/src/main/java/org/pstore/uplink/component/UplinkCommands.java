package org.pstore.uplink.component;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pstore.api.uplink.Uplink;
import org.pstore.api.uplink.UplinkStatus;

/** {@code pstore:uplink}: where archived crashes go and how far they got. */
// the command properties by hand: @GogoCommand would make Gogo a requirement of the uplink
@Component(service = UplinkCommands.class, property = {"osgi.command.scope=pstore", "osgi.command.function=uplink"})
public class UplinkCommands {

    private final Uplink uplink;

    @Activate
    public UplinkCommands(@Reference Uplink uplink) {
        this.uplink = uplink;
    }

    @Descriptor("the uplink: broker, gateway id, connected, backlog, sent, last error")
    public String uplink() {
        return format(uplink.status());
    }

    static String format(UplinkStatus s) {
        return "broker:      " + (s.broker().isEmpty() ? "(off)" : s.broker()) + '\n'
                + "gateway id:  " + s.gatewayId() + '\n'
                + "connected:   " + (s.connected() ? "yes" : "no") + '\n'
                + "backlog:     " + s.backlog() + '\n'
                + "sent:        " + s.sent() + '\n'
                + "last error:  " + (s.lastError().isEmpty() ? "(none)" : s.lastError());
    }
}
