package org.pstore.zone;

import org.pstore.api.RecordType;
import org.pstore.zone.internal.ZoneFormat;

/**
 * One zone of a partition: where it lies and what it holds.
 *
 * @param type   what the zone holds
 * @param index  the kmsg zone number, or the CPU of an ftrace zone; 0 for pmsg and console
 * @param offset byte offset of the zone on the device
 * @param size   zone size in bytes, headers included
 */
public record Zone(RecordType type, int index, long offset, int size) {

    /** Bytes available after the 12-byte zone header. */
    public int capacity() {
        return size - ZoneFormat.HEADER_SIZE;
    }

    public int signature() {
        return ZoneFormat.signature(type);
    }
}
