/** The fleet uplink: archived crashes sent to an MQTT broker. */
@Export
@Version("1.0.0")
package org.pstore.api.uplink;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
