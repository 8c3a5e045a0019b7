package org.pstore.zone.internal;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * What the engine keeps in memory of the kmsg zones that hold a record: the header fields a
 * listing shows, in primitive arrays by zone index (about 29 bytes a record), never the text.
 * Pages of {@value #PAGE} zones are allocated when a record first lands in them, so an empty or
 * lightly used partition keeps almost nothing however large it is. The inflated size of a
 * compressed record and whether its checksum matched are learnt on first listing.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class KmsgTable {

    static final int SIZE_UNKNOWN = -1;
    static final int NOT_INFLATABLE = -2;

    private static final int PAGE = 512;
    private static final byte COMPRESSED = 1;
    private static final byte CHECKSUMMED = 2;
    private static final byte CHECKED = 4;
    private static final byte INTACT = 8;

    // a damaged header's far past or future is clamped to what a date can show in any time zone (a
    // day inside LocalDateTime's years, which end before Instant's): it must not break a listing
    private static final long EARLIEST = LocalDateTime.MIN.plusDays(1).toEpochSecond(ZoneOffset.UTC);
    private static final long LATEST = LocalDateTime.MAX.minusDays(1).toEpochSecond(ZoneOffset.UTC);

    /** One page of zones; datalen 0 marks a zone without a record (a record's is at least 40). */
    private static final class Page {
        final int[] datalen = new int[PAGE];
        final long[] seconds = new long[PAGE];
        final int[] nanos = new int[PAGE];
        final int[] counter = new int[PAGE];
        final int[] reason = new int[PAGE];
        final int[] inflatedSize = new int[PAGE];
        final byte[] flags = new byte[PAGE];
        int held;
    }

    private final Page[] pages;

    KmsgTable(int zones) {
        pages = new Page[(zones + PAGE - 1) / PAGE];
    }

    /**
     * Keeps the record of {@code zone} whose headers (zone header then kmsg header, as a zone
     * begins) are in {@code headers}; datalen was validated by the caller.
     */
    void put(int zone, int datalen, ByteBuffer headers) {
        Page p = pages[zone / PAGE];
        if (p == null) {
            p = pages[zone / PAGE] = new Page();
        }
        int i = zone % PAGE;
        if (p.datalen[i] == 0) {
            p.held++;
        }
        int at = ZoneFormat.HEADER_SIZE;
        p.datalen[i] = datalen;
        p.seconds[i] = headers.getLong(at + ZoneFormat.KMSG_OFF_TIME_SEC);
        p.nanos[i] = (int) Math.floorMod(headers.getLong(at + ZoneFormat.KMSG_OFF_TIME_NSEC), 1_000_000_000L);
        p.counter[i] = headers.getInt(at + ZoneFormat.KMSG_OFF_COUNTER);
        p.reason[i] = headers.getInt(at + ZoneFormat.KMSG_OFF_REASON);
        p.inflatedSize[i] = SIZE_UNKNOWN;
        p.flags[i] = (byte) ((headers.get(at + ZoneFormat.KMSG_OFF_COMPRESSED) != 0 ? COMPRESSED : 0)
                | (headers.getInt(at + ZoneFormat.KMSG_OFF_MARKER) == ZoneFormat.CHECKSUM_MARKER ? CHECKSUMMED : 0));
    }

    void remove(int zone) {
        Page p = pages[zone / PAGE];
        int i = zone % PAGE;
        if (p != null && p.datalen[i] != 0) {
            p.datalen[i] = 0;
            if (--p.held == 0) {
                pages[zone / PAGE] = null;
            }
        }
    }

    boolean holds(int zone) {
        if (zone < 0 || zone / PAGE >= pages.length) {
            return false;
        }
        Page p = pages[zone / PAGE];
        return p != null && p.datalen[zone % PAGE] != 0;
    }

    /** The first zone from {@code from} on that holds a record, or -1: walks the records in zone order. */
    int next(int from) {
        for (int page = Math.max(0, from) / PAGE; page < pages.length; page++) {
            Page p = pages[page];
            if (p != null) {
                for (int i = page == from / PAGE ? from % PAGE : 0; i < PAGE; i++) {
                    if (p.datalen[i] != 0) {
                        return page * PAGE + i;
                    }
                }
            }
        }
        return -1;
    }

    int datalen(int zone) {
        return pages[zone / PAGE].datalen[zone % PAGE];
    }

    /** Bytes of stored text: datalen less the kmsg header. */
    int textLength(int zone) {
        return datalen(zone) - ZoneFormat.KMSG_HEADER_SIZE;
    }

    boolean compressed(int zone) {
        return (flags(zone) & COMPRESSED) != 0;
    }

    /** Whether we wrote it with a checksum; Linux's records have none. */
    boolean checksummed(int zone) {
        return (flags(zone) & CHECKSUMMED) != 0;
    }

    int counter(int zone) {
        return pages[zone / PAGE].counter[zone % PAGE];
    }

    int reason(int zone) {
        return pages[zone / PAGE].reason[zone % PAGE];
    }

    Instant time(int zone) {
        Page p = pages[zone / PAGE];
        long seconds = Math.max(EARLIEST, Math.min(LATEST, p.seconds[zone % PAGE]));
        return Instant.ofEpochSecond(seconds, p.nanos[zone % PAGE]);
    }

    /** The inflated size, {@link #SIZE_UNKNOWN} or {@link #NOT_INFLATABLE}. */
    int inflatedSize(int zone) {
        return pages[zone / PAGE].inflatedSize[zone % PAGE];
    }

    void inflatedSize(int zone, int size) {
        pages[zone / PAGE].inflatedSize[zone % PAGE] = size;
    }

    /** Whether the checksum was checked yet. */
    boolean checked(int zone) {
        return (flags(zone) & CHECKED) != 0;
    }

    boolean intact(int zone) {
        return (flags(zone) & INTACT) != 0;
    }

    void intact(int zone, boolean intact) {
        pages[zone / PAGE].flags[zone % PAGE] |= (byte) (CHECKED | (intact ? INTACT : 0));
    }

    private byte flags(int zone) {
        return pages[zone / PAGE].flags[zone % PAGE];
    }
}
