package org.pstore.api.uplink;

import org.osgi.annotation.versioning.ProviderType;

/** Sends every archived crash to an MQTT broker, once acknowledged never again. */
@ProviderType
public interface Uplink {

    /** What the uplink is doing now. */
    UplinkStatus status();
}
