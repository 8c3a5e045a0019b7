/**
 * The storage-device SPI: what a driver offers pstore. Drivers move bytes; they know nothing of
 * zones or records.
 */
@Export
@Version("2.0.0")
package org.pstore.api.device;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
