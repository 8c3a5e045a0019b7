/**
 * The zone engine: Linux's pstore/zone in plain Java. It cuts a storage device into zones, writes
 * and reads them in the Linux on-disk format byte for byte, and recovers them when opened.
 *
 * <p>What other bundles use: {@link org.pstore.zone.ZoneEngine} (open it on a device with a
 * {@link org.pstore.zone.ZoneConfig} and {@link org.pstore.zone.ZoneLayout}; it is the
 * {@code Pstore} service's implementation) and what its {@code info} inspector reports
 * ({@link org.pstore.zone.ZoneInfo}, {@link org.pstore.zone.ZoneState}, {@link org.pstore.zone.Zone}).
 * Everything else lives in the bundle's private package {@code org.pstore.zone.internal}.
 */
@Export
@Version("2.0.0")
package org.pstore.zone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
