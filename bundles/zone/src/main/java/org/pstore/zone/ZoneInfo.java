package org.pstore.zone;

import org.pstore.zone.ZoneFormat.KmsgHeader;
import org.pstore.zone.ZoneFormat.ZoneHeader;

/**
 * One zone as {@code info} shows it, read from the device.
 *
 * @param zone   where it lies
 * @param header its zone header, or null when it could not be read
 * @param kmsg   the kmsg header of a kmsg zone, or null
 * @param state  a word for the zone: empty, record, erased, damaged, unreadable, skipped
 * @param detail why a zone is damaged or unreadable, or null
 */
public record ZoneInfo(Zone zone, ZoneHeader header, KmsgHeader kmsg, String state, String detail) {
}
