package org.pstore.zone.internal;

import java.time.Instant;

import org.pstore.zone.internal.ZoneFormat.KmsgHeader;

/**
 * What the engine keeps in memory of a kmsg zone that holds a record: its headers, not its text.
 * The inflated size of a compressed record is learnt on first listing.
 */
final class KmsgRecord {

    static final int SIZE_UNKNOWN = -1;
    static final int NOT_INFLATABLE = -2;

    final int zone;
    final int datalen;
    final KmsgHeader header;
    int inflatedSize = SIZE_UNKNOWN;
    /** Whether the checksum matched; null until checked. */
    Boolean intact;

    KmsgRecord(int zone, int datalen, KmsgHeader header) {
        this.zone = zone;
        this.datalen = datalen;
        this.header = header;
    }

    /** Bytes of stored text: datalen less the kmsg header. */
    int textLength() {
        return datalen - ZoneFormat.KMSG_HEADER_SIZE;
    }

    Instant time() {
        // clamped to what a date can show in any time zone (a day inside LocalDateTime's years,
        // which end before Instant's): a damaged header's far past or future must not break a
        // listing whose record text may still be good
        long earliest = java.time.LocalDateTime.MIN.plusDays(1).toEpochSecond(java.time.ZoneOffset.UTC);
        long latest = java.time.LocalDateTime.MAX.minusDays(1).toEpochSecond(java.time.ZoneOffset.UTC);
        long seconds = Math.max(earliest, Math.min(latest, header.seconds()));
        return Instant.ofEpochSecond(seconds, Math.floorMod(header.nanos(), 1_000_000_000L));
    }
}
