package org.pstore.zone.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.zone.Zone;
import org.pstore.zone.internal.ZoneFormat.ZoneHeader;

/**
 * A pmsg, console or ftrace zone: a ring of {@code capacity} bytes after the zone header.
 *
 * <p>Before the ring wraps, {@code start == datalen}; once it wrapped, {@code datalen == capacity}
 * and {@code start} is the oldest byte. On open the previous run's content is read, linearised
 * oldest first, and kept as the record to show; the ring then restarts empty for this run.
 *
 * <p>Bytes the device could not take are kept in a zone-sized shadow, allocated only while the
 * zone is dirty, with the circular range that still has to reach the device.
 * Not thread-safe: the engine serialises access.
 */
final class RingZone {

    private final Zone zone;
    private final int capacity;

    /** The previous run's content, oldest byte first; null when there is none or it was erased. */
    private byte[] previous;

    /** This run's ring header. {@code start} may equal capacity, as Linux leaves it. */
    private int start;
    private int datalen;
    /** The header the previous run left, for {@link #resume()}. */
    private int recoveredStart;
    private int recoveredDatalen;

    private byte[] shadow;
    private int dirtyFrom;
    private int dirtyLength;
    private boolean headerDirty;

    RingZone(Zone zone) {
        this.zone = zone;
        this.capacity = zone.capacity();
    }

    Zone zone() {
        return zone;
    }

    /**
     * Reads the previous run's content. A zone with another signature is empty; a header whose
     * lengths do not describe a ring (Linux checks only the upper bounds) is reported as damaged.
     */
    void recover(ZoneIo io) throws IOException {
        ZoneHeader h = io.readHeader(zone);
        if (h.sig() != zone.signature() || h.datalen() == 0) {
            return;
        }
        long len = h.datalenUnsigned();
        long st = h.startUnsigned();
        if (len > capacity || st > capacity) {
            throw new PstoreException(describe() + ": header datalen " + h.datalen() + " start " + h.start()
                    + " exceed the zone's capacity " + capacity);
        }
        if (st > len) {
            throw new PstoreException(describe() + ": header start " + st + " is past datalen " + len);
        }
        byte[] content = new byte[(int) len];
        int older = (int) (len - st);
        io.readData(zone, (int) st, ByteBuffer.wrap(content, 0, older));
        io.readData(zone, 0, ByteBuffer.wrap(content, older, (int) st));
        previous = content;
        recoveredStart = (int) st;
        recoveredDatalen = (int) len;
    }

    /** Continues the previous run's ring instead of restarting it; only before this run's first append. */
    void resume() {
        if (datalen == 0 && !headerDirty) {
            start = recoveredStart;
            datalen = recoveredDatalen;
        }
    }

    /** The previous run's content, or null. */
    byte[] previous() {
        return previous;
    }

    boolean dirty() {
        return headerDirty;
    }

    /**
     * Appends to this run's ring; only the last {@code capacity} bytes of a longer write are kept.
     * Returns true when the bytes are on the device, false when they wait in memory.
     */
    boolean append(ZoneIo io, byte[] bytes) {
        int from = Math.max(0, bytes.length - capacity);
        int count = bytes.length - from;
        if (count == 0) {
            return !headerDirty;
        }
        int at = start == capacity ? 0 : start;
        boolean wrapped = datalen == capacity || start == capacity;
        int first = Math.min(count, capacity - at);
        int second = count - first;
        boolean ok = !headerDirty
                && io.tryWriteData(zone, at, ByteBuffer.wrap(bytes, from, first))
                && (second == 0 || io.tryWriteData(zone, 0, ByteBuffer.wrap(bytes, from + first, second)));
        if (second > 0) {
            start = second;
            wrapped = true;
        } else {
            start = at + first;
        }
        datalen = wrapped ? capacity : start;
        if (!ok) {
            keepDirty(bytes, from, at, count);
            return false;
        }
        if (!io.tryWriteHeader(zone, datalen, start)) {
            headerDirty = true;
            return false;
        }
        return true;
    }

    private void keepDirty(byte[] bytes, int from, int at, int count) {
        if (shadow == null) {
            shadow = new byte[capacity];
            dirtyFrom = at;
            dirtyLength = 0;
        }
        int first = Math.min(count, capacity - at);
        System.arraycopy(bytes, from, shadow, at, first);
        System.arraycopy(bytes, from + first, shadow, 0, count - first);
        dirtyLength = Math.min(capacity, dirtyLength + count);
        if (dirtyLength == capacity) {
            dirtyFrom = start == capacity ? 0 : start;
        }
        headerDirty = true;
    }

    /** Writes what waits in memory. Returns true when the zone is clean. */
    boolean flush(ZoneIo io) {
        if (!headerDirty) {
            return true;
        }
        if (shadow != null) {
            int first = Math.min(dirtyLength, capacity - dirtyFrom);
            int second = dirtyLength - first;
            if (!io.tryWriteData(zone, dirtyFrom, ByteBuffer.wrap(shadow, dirtyFrom, first))
                    || (second > 0 && !io.tryWriteData(zone, 0, ByteBuffer.wrap(shadow, 0, second)))) {
                return false;
            }
            shadow = null;
            dirtyLength = 0;
        }
        if (!io.tryWriteHeader(zone, datalen, start)) {
            return false;
        }
        headerDirty = false;
        return true;
    }

    /**
     * Forgets the previous run's content. When this run wrote nothing yet, the empty header goes to
     * the device so the old content is not shown again; otherwise the new header already hides it.
     */
    void erase(ZoneIo io) throws IOException {
        previous = null;
        if (datalen == 0 && !headerDirty) {
            io.writeHeader(zone, 0, 0);
        }
    }

    String describe() {
        return zone.type().label() + " zone" + (zone.type() == RecordType.FTRACE ? " of CPU " + zone.index() : "")
                + " at " + zone.offset();
    }
}
