/** The file driver: a pstore partition in a regular file or on a block device node. */
@Export
@Version("1.0.0")
package org.pstore.driver.file;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
