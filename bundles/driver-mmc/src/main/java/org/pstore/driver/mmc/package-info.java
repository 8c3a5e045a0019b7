/**
 * The MMC driver: a simulated eMMC/SD card with a volatile write cache, and its pstore partition.
 *
 * <p>Private to the bundle: other bundles use the device as a {@code StorageDevice} service; the
 * tool and the benchmarks depend on the module directly.
 */
package org.pstore.driver.mmc;
