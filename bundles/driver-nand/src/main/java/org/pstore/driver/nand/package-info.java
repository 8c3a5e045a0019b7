/** The NAND driver: a simulated NAND chip with bad blocks, ECC and wear, and mtdpstore done right. */
@Export
@Version("1.0.0")
package org.pstore.driver.nand;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
