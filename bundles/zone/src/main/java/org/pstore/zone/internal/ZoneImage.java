package org.pstore.zone.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

import org.pstore.api.RecordType;

/**
 * A kmsg zone image in reused direct memory, so that a device's channel writes it without the
 * JDK's copy; zeros beyond the bytes the last record used, so that a record clears only what the
 * previous one left, and the checksum and deflate work over this memory. Allocates nothing after
 * construction. Not thread-safe: each writer (the normal path, the panic path) has its own.
 */
final class ZoneImage {

    private final ByteBuffer buffer;
    /** The space after both headers. */
    private final ByteBuffer text;
    /** Bytes from 0 that may be non-zero. */
    private int used;

    ZoneImage(int size) {
        buffer = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        text = size == 0 ? buffer : buffer.duplicate().position(ZoneFormat.KMSG_TEXT_OFFSET).slice();
    }

    /** The whole image, little-endian, position 0 and limit its capacity. */
    ByteBuffer buffer() {
        return buffer.clear();
    }

    /**
     * Lays out a kmsg record: the text from {@code dump}'s position to its limit (both left as
     * they were), compressed where asked and where it fits, then both headers with the checksum,
     * zeros after. Returns the record's datalen.
     */
    int putRecord(ByteBuffer dump, boolean compress, Deflater deflater, int maxInflated, CRC32C crc,
                  long seconds, long nanos, int counter, int reason) {
        int position = dump.position();
        int stored = KmsgCompression.putText(dump, compress, text.clear(), deflater, maxInflated);
        dump.position(position);
        int datalen = ZoneFormat.KMSG_HEADER_SIZE + Math.abs(stored);
        // a compression that did not fit may have filled the whole zone before giving up
        endsAt(ZoneFormat.HEADER_SIZE + datalen, compress && stored >= 0 ? buffer.capacity() : 0);
        ZoneFormat.putHeader(buffer, 0, ZoneFormat.signature(RecordType.DMESG), datalen, 0);
        ZoneFormat.putKmsgHeader(buffer, seconds, nanos, stored < 0, counter, reason, crc, text.flip());
        return datalen;
    }

    /** Puts a whole image back (one that waited in memory), zeros after it. */
    void load(byte[] image) {
        buffer.put(0, image);
        endsAt(image.length, 0);
    }

    /**
     * The image now holds bytes up to {@code end} and zeros after: clears what an earlier image
     * left between {@code end} and the larger of the last end and {@code dirtyTo}.
     */
    private void endsAt(int end, int dirtyTo) {
        int to = Math.min(buffer.capacity(), Math.max(used, dirtyTo));
        int i = end;
        for (; i < to && (i & 7) != 0; i++) {
            buffer.put(i, (byte) 0);
        }
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            buffer.putLong(i, 0L);
        }
        for (; i < to; i++) {
            buffer.put(i, (byte) 0);
        }
        used = end;
    }
}
