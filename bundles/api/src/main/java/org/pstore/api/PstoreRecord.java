package org.pstore.api;

import java.time.Instant;

/**
 * One record as Linux lists it under /sys/fs/pstore.
 *
 * @param name Linux's name, {@code <type>-<backend>-<id>}, with {@code .enc.z} for a compressed
 *             record that could not be inflated
 * @param type the record type
 * @param id   the zone index for kmsg records, 0 for the others
 * @param time when the record was written, or when it was first shown where the medium keeps no time
 * @param size the number of bytes that reading the record returns
 */
public record PstoreRecord(String name, RecordType type, long id, Instant time, long size) {
}
