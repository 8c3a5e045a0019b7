package org.pstore.zone;

import java.util.Locale;

/** What the headers of a zone say, as {@code info} shows it. */
public enum ZoneState {
    /** Another signature, or a ring with no data: nothing to show. */
    EMPTY,
    /** Headers that describe a record. */
    RECORD,
    /** A kmsg zone whose record was erased (datalen 0; the kmsg header and its counters stay). */
    ERASED,
    /** Headers no writer leaves: lengths beyond the zone, a bad kmsg magic. */
    DAMAGED,
    /** The device could not read the headers. */
    UNREADABLE,
    /** The device asked to leave the zone alone (a bad NAND block). */
    SKIPPED;

    /** The word the tool and the shell print: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
