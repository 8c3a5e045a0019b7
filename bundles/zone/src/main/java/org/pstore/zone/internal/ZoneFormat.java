package org.pstore.zone.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import org.pstore.api.RecordType;

/**
 * The on-disk structs of Linux's pstore/zone, all little-endian, 64-bit layout. Every offset and
 * constant of the format lives here.
 *
 * <pre>
 * struct psz_buffer {            // at the start of every zone, 12 bytes
 *     u32 sig;                   //  0: 0x43474244 ("DBGC") XOR the record type
 *     atomic_t datalen;          //  4: signed: bytes valid in data[]
 *     atomic_t start;            //  8: signed: ring write position; 0 in kmsg zones
 *     u8 data[];                 // 12: capacity = zone size - 12
 * };
 * struct psz_kmsg_header {       // at data[0] of a kmsg zone, 40 bytes
 *     u32 magic;                 //  0: 0x4dfc3ae5
 *     u32 pad;                   //  4: alignment of the timespec64
 *     s64 tv_sec;                //  8
 *     s64 tv_nsec;               // 16
 *     bool compressed;           // 24, then 3 bytes of padding
 *     u32 counter;               // 28: persistent oops or panic count
 *     u32 reason;                // 32: enum kmsg_dump_reason
 *     u32 tail;                  // 36: tail padding to 8 bytes
 *     u8 data[];                 // 40: the log text
 * };
 * </pre>
 *
 * <p>Our own addition, in padding that Linux never reads (it writes zeros there): a CRC32C in
 * {@code pad} and the marker {@link #CHECKSUM_MARKER} in {@code tail}. It covers datalen, the kmsg
 * header from {@code tv_sec} to {@code reason}, and the text, so a record torn by a power cut between
 * its sectors is reported as damaged. Records without the marker (Linux's) are taken as they are.
 */
public final class ZoneFormat {

    /** Size of {@code struct psz_buffer}. */
    public static final int HEADER_SIZE = 12;
    public static final int OFF_SIG = 0;
    public static final int OFF_DATALEN = 4;
    public static final int OFF_START = 8;

    /** "DBGC": every zone's signature is this XOR its record type. */
    public static final int SIG_BASE = 0x43474244;

    /** Size of {@code struct psz_kmsg_header}. */
    public static final int KMSG_HEADER_SIZE = 40;
    public static final int KMSG_MAGIC = 0x4dfc3ae5;
    /** Offsets inside the kmsg header (add {@link #HEADER_SIZE} for the zone offset). */
    public static final int KMSG_OFF_MAGIC = 0;
    public static final int KMSG_OFF_TIME_SEC = 8;
    public static final int KMSG_OFF_TIME_NSEC = 16;
    public static final int KMSG_OFF_COMPRESSED = 24;
    public static final int KMSG_OFF_COUNTER = 28;
    public static final int KMSG_OFF_REASON = 32;
    public static final int KMSG_OFF_CHECKSUM = 4;
    public static final int KMSG_OFF_MARKER = 36;
    /** "PSC1": the kmsg header carries our checksum. */
    public static final int CHECKSUM_MARKER = 0x31435350;
    /** Both headers: where the log text of a kmsg zone starts. */
    public static final int KMSG_TEXT_OFFSET = HEADER_SIZE + KMSG_HEADER_SIZE;

    /** One ftrace record: {@code struct pstore_ftrace_record { ulong ip, parent_ip; u64 ts; }}. */
    public static final int FTRACE_RECORD_SIZE = 24;
    /** The low bits of an ftrace record's ts hold the CPU, the rest the timestamp (x86_64, arm64). */
    public static final int FTRACE_TS_CPU_SHIFT = 8;

    /** pstore/blk takes sizes in KiB aligned to 4 KiB; zone sizes must be whole 512-byte sectors. */
    public static final int SECTOR_SIZE = 512;
    /** The whole area is at least this large and a multiple of it. */
    public static final int MIN_TOTAL_SIZE = 4096;

    private ZoneFormat() {
    }

    /** The signature a zone of this type carries. */
    public static int signature(RecordType type) {
        return SIG_BASE ^ type.id();
    }

    /** A little-endian view of {@code bytes}. */
    public static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes a zone header at {@code at}. */
    public static void putHeader(ByteBuffer b, int at, int sig, int datalen, int start) {
        b.putInt(at + OFF_SIG, sig);
        b.putInt(at + OFF_DATALEN, datalen);
        b.putInt(at + OFF_START, start);
    }

    /**
     * Writes a kmsg header at zone offset {@link #HEADER_SIZE} of {@code b}, with the checksum of
     * the zone header already in {@code b} and of {@code text}. Allocates nothing.
     */
    public static void putKmsgHeader(ByteBuffer b, long seconds, long nanos, boolean compressed,
                                     int counter, int reason, CRC32C crc, ByteBuffer text) {
        int at = HEADER_SIZE;
        b.putInt(at + KMSG_OFF_MAGIC, KMSG_MAGIC);
        b.putLong(at + KMSG_OFF_TIME_SEC, seconds);
        b.putLong(at + KMSG_OFF_TIME_NSEC, nanos);
        b.putInt(at + KMSG_OFF_COMPRESSED, compressed ? 1 : 0);
        b.putInt(at + KMSG_OFF_COUNTER, counter);
        b.putInt(at + KMSG_OFF_REASON, reason);
        b.putInt(at + KMSG_OFF_MARKER, CHECKSUM_MARKER);
        b.putInt(at + KMSG_OFF_CHECKSUM, checksum(crc, b, text));
    }

    /**
     * The checksum of a kmsg record: datalen and the kmsg header fields of {@code headers} (the
     * zone's first {@link #KMSG_TEXT_OFFSET} bytes), then {@code text} from its position to its
     * limit. Both buffers are left as they were.
     */
    public static int checksum(CRC32C crc, ByteBuffer headers, ByteBuffer text) {
        crc.reset();
        update(crc, headers, OFF_DATALEN, OFF_DATALEN + 4);
        update(crc, headers, HEADER_SIZE + KMSG_OFF_TIME_SEC, HEADER_SIZE + KMSG_OFF_MARKER);
        update(crc, text, text.position(), text.limit());
        return (int) crc.getValue();
    }

    private static void update(CRC32C crc, ByteBuffer b, int from, int to) {
        int position = b.position();
        int limit = b.limit();
        b.position(0).limit(to).position(from);
        crc.update(b);
        b.limit(limit).position(position);
    }

    /** A zone header as read from a device; nothing in it is trusted yet. */
    public record ZoneHeader(int sig, int datalen, int start) {

        /** Reads the 12 bytes at the buffer's absolute offset {@code at}. */
        public static ZoneHeader decode(ByteBuffer b, int at) {
            return new ZoneHeader(b.getInt(at + OFF_SIG), b.getInt(at + OFF_DATALEN), b.getInt(at + OFF_START));
        }

        /** datalen as the unsigned quantity it describes: a negative value is a huge one. */
        public long datalenUnsigned() {
            return Integer.toUnsignedLong(datalen);
        }

        public long startUnsigned() {
            return Integer.toUnsignedLong(start);
        }
    }

    /** A kmsg header as read from a device. */
    public record KmsgHeader(int magic, long seconds, long nanos, boolean compressed, int counter, int reason,
                             int checksum, int marker) {

        /** Reads the 40 bytes that follow the zone header at zone offset {@link #HEADER_SIZE}. */
        public static KmsgHeader decode(ByteBuffer b) {
            int at = HEADER_SIZE;
            return new KmsgHeader(b.getInt(at + KMSG_OFF_MAGIC), b.getLong(at + KMSG_OFF_TIME_SEC),
                    b.getLong(at + KMSG_OFF_TIME_NSEC), b.get(at + KMSG_OFF_COMPRESSED) != 0,
                    b.getInt(at + KMSG_OFF_COUNTER), b.getInt(at + KMSG_OFF_REASON),
                    b.getInt(at + KMSG_OFF_CHECKSUM), b.getInt(at + KMSG_OFF_MARKER));
        }

        public boolean valid() {
            return magic == KMSG_MAGIC;
        }

        /** Whether we wrote it with a checksum; Linux's records have none. */
        public boolean checksummed() {
            return marker == CHECKSUM_MARKER;
        }
    }
}
