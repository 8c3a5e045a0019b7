/** The MMC driver: a simulated eMMC/SD card with a volatile write cache, and its pstore partition. */
@Export
@Version("1.0.0")
package org.pstore.driver.mmc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
