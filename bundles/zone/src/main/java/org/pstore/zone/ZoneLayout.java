package org.pstore.zone;

import java.util.ArrayList;
import java.util.List;

import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.zone.internal.KmsgCompression;
import org.pstore.zone.internal.ZoneFormat;

/**
 * How a partition is cut into zones, as Linux's {@code psz_alloc_zones} does: from offset 0 one
 * pmsg zone, one console zone, the ftrace area split evenly over the CPUs, then as many kmsg zones
 * as fit in the rest. A size of 0 disables that kind of zone. The layout is not stored on the
 * device: reader and writer must agree on it.
 */
public record ZoneLayout(long kmsgSize, long pmsgSize, long consoleSize, long ftraceSize, int cpus) {

    /** pstore_blk's defaults: 64 KiB kmsg zones and nothing else. */
    public static ZoneLayout kmsgOnly(long kmsgSize) {
        return new ZoneLayout(kmsgSize, 0, 0, 0, 1);
    }

    /** Checks the sizes on their own, before a device is known. */
    public void validate() throws PstoreException {
        checkSize("kmsg-size", kmsgSize);
        checkSize("pmsg-size", pmsgSize);
        checkSize("console-size", consoleSize);
        checkSize("ftrace-size", ftraceSize);
        if (cpus < 1) {
            throw new PstoreException("cpus must be at least 1, got " + cpus);
        }
        if (kmsgSize == 0 && pmsgSize == 0 && consoleSize == 0 && ftraceSize == 0) {
            throw new PstoreException("no zone kind is enabled: kmsg, pmsg, console and ftrace sizes are all 0");
        }
        if (ftraceSize > 0 && ftraceSize / cpus <= ZoneFormat.HEADER_SIZE) {
            throw new PstoreException("ftrace-size " + ftraceSize + " split over " + cpus
                    + " CPUs leaves no room in a zone");
        }
    }

    private static void checkSize(String name, long value) throws PstoreException {
        if (value < 0 || value % ZoneFormat.SECTOR_SIZE != 0) {
            throw new PstoreException(name + " " + value + " is not a multiple of "
                    + ZoneFormat.SECTOR_SIZE + " bytes");
        }
        if (value > Integer.MAX_VALUE) {
            throw new PstoreException(name + " " + value + " is larger than a zone can be ("
                    + Integer.MAX_VALUE + " bytes)");
        }
    }

    /** Checks the layout against a device of {@code deviceSize} bytes. */
    public void validate(long deviceSize) throws PstoreException {
        validate();
        if (deviceSize < ZoneFormat.MIN_TOTAL_SIZE || deviceSize % ZoneFormat.MIN_TOTAL_SIZE != 0) {
            throw new PstoreException("device size " + deviceSize + " is not a multiple of "
                    + ZoneFormat.MIN_TOTAL_SIZE + " bytes of at least " + ZoneFormat.MIN_TOTAL_SIZE);
        }
        long fixed = pmsgSize + consoleSize + ftraceSize;
        if (fixed > deviceSize) {
            throw new PstoreException("pmsg-size " + pmsgSize + " + console-size " + consoleSize
                    + " + ftrace-size " + ftraceSize + " = " + fixed + " bytes do not fit on the device's "
                    + deviceSize + " bytes");
        }
        if (kmsgSize > 0 && kmsgCount(deviceSize) == 0) {
            throw new PstoreException("kmsg-size " + kmsgSize + " does not fit in the " + (deviceSize - fixed)
                    + " bytes the device has left after pmsg, console and ftrace");
        }
        if (kmsgCount(deviceSize) > Integer.MAX_VALUE) {
            throw new PstoreException("kmsg-size " + kmsgSize + " makes more zones than " + Integer.MAX_VALUE
                    + " on " + deviceSize + " bytes");
        }
    }

    /** Bytes of one ftrace zone; Linux divides the area and drops the remainder. */
    public int ftraceZoneSize() {
        return ftraceSize == 0 ? 0 : (int) (ftraceSize / cpus);
    }

    /** Where the first kmsg zone starts. */
    public long kmsgOffset() {
        return pmsgSize + consoleSize + (long) ftraceZoneSize() * (ftraceSize == 0 ? 0 : cpus);
    }

    /** How many kmsg zones a device of this size holds. */
    public long kmsgCount(long deviceSize) {
        if (kmsgSize == 0) {
            return 0;
        }
        // Linux sizes the kmsg area as total minus the three fixed areas (even where the ftrace
        // split left a remainder and the zones start a little earlier)
        return Math.max(0, deviceSize - (pmsgSize + consoleSize + ftraceSize)) / kmsgSize;
    }

    /** The most dump text a kmsg zone keeps: its capacity after both headers, or what Linux can inflate. */
    public int dumpCapacity(boolean compress) {
        int text = (int) Math.max(0, kmsgSize - ZoneFormat.KMSG_TEXT_OFFSET);
        return compress ? KmsgCompression.maxInflatedSize(text) : text;
    }

    /** The ring zones (pmsg, console, ftrace per CPU) in device order; kmsg zones are computed on demand. */
    public List<Zone> ringZones() {
        List<Zone> zones = new ArrayList<>();
        long off = 0;
        if (pmsgSize > 0) {
            zones.add(new Zone(RecordType.PMSG, 0, off, (int) pmsgSize));
            off += pmsgSize;
        }
        if (consoleSize > 0) {
            zones.add(new Zone(RecordType.CONSOLE, 0, off, (int) consoleSize));
            off += consoleSize;
        }
        for (int cpu = 0; ftraceSize > 0 && cpu < cpus; cpu++) {
            zones.add(new Zone(RecordType.FTRACE, cpu, off, ftraceZoneSize()));
            off += ftraceZoneSize();
        }
        return zones;
    }

    /** The kmsg zone with this index. */
    public Zone kmsgZone(int index) {
        return new Zone(RecordType.DMESG, index, kmsgZoneOffset(index), (int) kmsgSize);
    }

    /** Where the kmsg zone with this index starts, without allocating (for the panic path). */
    public long kmsgZoneOffset(int index) {
        return kmsgOffset() + index * kmsgSize;
    }

    @Override
    public String toString() {
        return "kmsg " + kmsgSize + ", pmsg " + pmsgSize + ", console " + consoleSize + ", ftrace "
                + ftraceSize + " over " + cpus + " CPU(s)";
    }
}
