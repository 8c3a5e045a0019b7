package org.pstore.zone.internal;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

import org.pstore.api.RecordType;
import org.pstore.api.device.SkipZoneException;
import org.pstore.zone.Zone;
import org.pstore.zone.ZoneInfo;
import org.pstore.zone.ZoneLayout;
import org.pstore.zone.ZoneState;
import org.pstore.zone.internal.ZoneFormat.KmsgHeader;
import org.pstore.zone.internal.ZoneFormat.ZoneHeader;

/** Reads a zone's headers and says what they describe, for {@code info}; changes nothing. */
public final class ZoneInspector {

    private final ZoneIo io;
    private final ZoneLayout layout;
    private final List<Zone> rings;
    private final int kmsgCount;

    public ZoneInspector(ZoneIo io, ZoneLayout layout, List<Zone> rings, int kmsgCount) {
        this.io = io;
        this.layout = layout;
        this.rings = rings;
        this.kmsgCount = kmsgCount;
    }

    /** Every zone, in device order. */
    public void describeAll(Consumer<ZoneInfo> out) {
        for (Zone zone : rings) {
            out.accept(describe(zone));
        }
        for (int i = 0; i < kmsgCount; i++) {
            out.accept(describe(layout.kmsgZone(i)));
        }
    }

    private ZoneInfo describe(Zone zone) {
        ZoneHeader h;
        KmsgHeader k = null;
        try {
            if (zone.type() == RecordType.DMESG) {
                h = io.readKmsgHeaders(zone);
                k = io.lastKmsgHeader();
            } else {
                h = io.readHeader(zone);
            }
        } catch (SkipZoneException e) {
            return info(zone, ZoneState.SKIPPED, null, null, e.getMessage());
        } catch (IOException e) {
            return info(zone, ZoneState.UNREADABLE, null, null, e.getMessage());
        }
        if (h.sig() != zone.signature()) {
            return info(zone, ZoneState.EMPTY, h, null, null);
        }
        if (h.datalenUnsigned() > zone.capacity() || h.startUnsigned() > zone.capacity()) {
            return info(zone, ZoneState.DAMAGED, h, k, "datalen or start beyond the capacity " + zone.capacity());
        }
        if (k == null) {
            return h.startUnsigned() > h.datalenUnsigned()
                    ? info(zone, ZoneState.DAMAGED, h, null, "start beyond datalen")
                    : info(zone, h.datalen() == 0 ? ZoneState.EMPTY : ZoneState.RECORD, h, null, null);
        }
        if (!k.valid()) {
            return info(zone, ZoneState.DAMAGED, h, k, "bad kmsg magic");
        }
        if (h.datalen() == 0) {
            return info(zone, ZoneState.ERASED, h, k, null);
        }
        return h.datalen() < ZoneFormat.KMSG_HEADER_SIZE
                ? info(zone, ZoneState.DAMAGED, h, k, "datalen shorter than the kmsg header")
                : info(zone, ZoneState.RECORD, h, k, null);
    }

    private static ZoneInfo info(Zone zone, ZoneState state, ZoneHeader h, KmsgHeader k, String detail) {
        return new ZoneInfo(zone, state, h == null ? null : new ZoneInfo.Header(h.sig(), h.datalen(), h.start()),
                k == null ? null : new ZoneInfo.KmsgHeader(k.magic(), k.seconds(), k.nanos(), k.compressed(),
                        k.counter(), k.reason()),
                detail);
    }
}
