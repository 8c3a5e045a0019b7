package org.pstore.api;

/**
 * One zone of the active backend's partition, as its headers on the device describe it.
 *
 * @param type   what the zone holds
 * @param index  the kmsg zone number, or the CPU of an ftrace zone; 0 for pmsg and console
 * @param offset byte offset of the zone on the device
 * @param size   zone size in bytes, headers included
 * @param state  what the headers say: {@code record}, {@code empty}, {@code erased}, {@code damaged},
 *               {@code unreadable} or {@code skipped}
 * @param dirty  whether data for the zone waits in memory for the device
 * @param detail why a zone is damaged, unreadable or skipped, or null
 */
public record ZoneStatus(RecordType type, int index, long offset, int size, String state, boolean dirty, String detail) {
}
