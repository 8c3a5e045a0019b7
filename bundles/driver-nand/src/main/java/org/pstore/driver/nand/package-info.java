/**
 * The NAND driver: a simulated NAND chip with bad blocks, ECC and wear, and mtdpstore done right.
 *
 * <p>Private to the bundle: other bundles use the device as a {@code StorageDevice} service; the
 * tool and the benchmarks depend on the module directly.
 */
package org.pstore.driver.nand;
