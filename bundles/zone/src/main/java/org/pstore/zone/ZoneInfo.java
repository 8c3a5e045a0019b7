package org.pstore.zone;

/**
 * One zone as {@code info} shows it, read from the device: what the tool, the shell and a web page
 * render.
 *
 * @param zone   where it lies
 * @param state  what its headers say
 * @param header its zone header, or null when it could not be read
 * @param kmsg   the kmsg header of a kmsg zone, or null
 * @param detail why a zone is damaged, unreadable or skipped, or null
 */
public record ZoneInfo(Zone zone, ZoneState state, Header header, KmsgHeader kmsg, String detail) {

    /**
     * A zone header as read ({@code struct psz_buffer}), nothing in it trusted.
     *
     * @param sig     the signature: {@link Zone#signature()} when the zone holds its kind of data
     * @param datalen bytes valid after the header (signed on disk)
     * @param start   the ring's write position; 0 in kmsg zones
     */
    public record Header(int sig, int datalen, int start) {
    }

    /**
     * A kmsg header as read ({@code struct psz_kmsg_header}).
     *
     * @param magic      0x4dfc3ae5 when valid
     * @param seconds    the record time, seconds since the epoch
     * @param nanos      and nanoseconds
     * @param compressed whether the text is raw deflate
     * @param counter    the oops or panic count (unsigned)
     * @param reason     the dump reason's code ({@code org.pstore.api.DumpReason})
     */
    public record KmsgHeader(int magic, long seconds, long nanos, boolean compressed, int counter, int reason) {
    }
}
