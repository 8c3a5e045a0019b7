/**
 * The file driver: a pstore partition in a regular file or on a block device node.
 *
 * <p>Private to the bundle: other bundles use the device as a {@code StorageDevice} service; the
 * tool and the benchmarks depend on the module directly.
 */
package org.pstore.driver.file;
