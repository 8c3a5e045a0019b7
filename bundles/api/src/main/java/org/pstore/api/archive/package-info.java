/** The crash archive: records copied off the partition into a folder per crash. */
@Export
@Version("1.0.0")
package org.pstore.api.archive;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
