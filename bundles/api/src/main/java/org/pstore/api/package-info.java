/**
 * The pstore service and its records: what a crash logger stores and shows, independent of the
 * medium that holds it.
 */
@Export
@Version("2.1.0")
package org.pstore.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
