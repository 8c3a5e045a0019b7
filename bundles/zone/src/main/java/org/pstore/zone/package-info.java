/**
 * The zone engine: Linux's pstore/zone in plain Java. It cuts a storage device into zones, writes
 * and reads them in the Linux on-disk format byte for byte, and recovers them when opened.
 */
@Export
@Version("1.0.0")
package org.pstore.zone;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
