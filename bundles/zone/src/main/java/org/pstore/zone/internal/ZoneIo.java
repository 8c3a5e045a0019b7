package org.pstore.zone.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.pstore.api.device.StorageDevice;
import org.pstore.zone.Zone;
import org.pstore.zone.internal.ZoneFormat.KmsgHeader;
import org.pstore.zone.internal.ZoneFormat.ZoneHeader;

/**
 * Zone-relative reads and writes on a device, with the header scratch buffers they need. The
 * {@code try} writes turn a failure into {@code false} and remember it, for the callers that keep
 * the bytes dirty and retry. Not thread-safe: the engine serialises access.
 */
public final class ZoneIo {

    private final StorageDevice device;
    private final ByteBuffer header = ByteBuffer.allocate(ZoneFormat.KMSG_TEXT_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
    private volatile String lastWriteError;

    public ZoneIo(StorageDevice device) {
        this.device = device;
    }

    /** The most recent write failure, or null. */
    public String lastWriteError() {
        return lastWriteError;
    }

    ZoneHeader readHeader(Zone zone) throws IOException {
        header.clear().limit(ZoneFormat.HEADER_SIZE);
        device.read(zone.offset(), header);
        return ZoneHeader.decode(header, 0);
    }

    /** Reads both headers of a kmsg zone: the zone header and the kmsg header that follows it. */
    ZoneHeader readKmsgHeaders(Zone zone) throws IOException {
        header.clear();
        device.read(zone.offset(), header);
        return ZoneHeader.decode(header, 0);
    }

    /** The kmsg header read by the last {@link #readKmsgHeaders}. */
    KmsgHeader lastKmsgHeader() {
        return KmsgHeader.decode(header);
    }

    /**
     * The headers read by the last {@link #readKmsgHeaders}, as the zone begins with them; valid
     * until the next read. Lets recovery decode fields in place, allocating nothing per zone.
     */
    ByteBuffer lastHeaders() {
        return header;
    }

    /** Reads {@code dst.remaining()} bytes from the start of the zone, headers included. */
    void readZone(Zone zone, ByteBuffer dst) throws IOException {
        if (dst.remaining() > zone.size()) {
            throw new IllegalStateException(dst.remaining() + " bytes overrun the zone at " + zone.offset()
                    + " of size " + zone.size());
        }
        device.read(zone.offset(), dst);
    }

    /** Reads {@code dst.remaining()} bytes of the zone's data starting at data offset {@code at}. */
    void readData(Zone zone, int at, ByteBuffer dst) throws IOException {
        checkData(zone, at, dst.remaining());
        if (dst.hasRemaining()) {
            device.read(zone.offset() + ZoneFormat.HEADER_SIZE + at, dst);
        }
    }

    void writeHeader(Zone zone, int datalen, int start) throws IOException {
        header.clear().limit(ZoneFormat.HEADER_SIZE);
        ZoneFormat.putHeader(header, 0, zone.signature(), datalen, start);
        device.write(zone.offset(), header);
    }

    boolean tryWriteHeader(Zone zone, int datalen, int start) {
        try {
            writeHeader(zone, datalen, start);
            return true;
        } catch (IOException e) {
            remember(zone, e);
            return false;
        }
    }

    boolean tryWriteData(Zone zone, int at, ByteBuffer src) {
        checkData(zone, at, src.remaining());
        try {
            device.write(zone.offset() + ZoneFormat.HEADER_SIZE + at, src);
            return true;
        } catch (IOException e) {
            remember(zone, e);
            return false;
        }
    }

    void remember(Zone zone, IOException e) {
        lastWriteError = "writing " + zone.type().label() + " zone at " + zone.offset() + ": " + e.getMessage();
    }

    private static void checkData(Zone zone, int at, int length) {
        if (at < 0 || length < 0 || at > zone.capacity() - length) {
            throw new IllegalStateException(length + " bytes at data offset " + at + " overrun the zone at "
                    + zone.offset() + " of capacity " + zone.capacity());
        }
    }
}
