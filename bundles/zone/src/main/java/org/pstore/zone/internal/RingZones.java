package org.pstore.zone.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.SkipZoneException;
import org.pstore.zone.Zone;
import org.pstore.zone.ZoneLayout;
import org.pstore.zone.internal.RecordNames.RecordName;

/**
 * The pmsg, console and ftrace zones of a partition, as Linux's {@code psz_record_read},
 * {@code psz_ftrace_read} and {@code psz_record_write} see them: one record a kind, the ftrace
 * CPUs merged into one. Not thread-safe: the engine serialises access.
 */
public final class RingZones {

    private final ZoneIo io;
    private final Problems problems;
    private final RecordNames names;
    /** When the engine opened: ring records carry no time, so they are shown at this one. */
    private final Instant openedAt;
    private final Runnable retryLater;
    private final RingZone pmsg;
    private final RingZone console;
    private final List<RingZone> ftrace = new ArrayList<>();
    private final List<RingZone> all = new ArrayList<>();

    /** @param retryLater called when bytes wait in memory for the device */
    public RingZones(ZoneLayout layout, ZoneIo io, Problems problems, RecordNames names, Instant openedAt,
                     Runnable retryLater) {
        this.io = io;
        this.retryLater = retryLater;
        this.openedAt = openedAt;
        this.problems = problems;
        this.names = names;
        RingZone p = null;
        RingZone c = null;
        for (Zone zone : layout.ringZones()) {
            RingZone ring = new RingZone(zone);
            all.add(ring);
            switch (zone.type()) {
                case PMSG -> p = ring;
                case CONSOLE -> c = ring;
                default -> ftrace.add(ring);
            }
        }
        this.pmsg = p;
        this.console = c;
    }

    /** Reads the previous run's content of every ring; a ring that cannot be read is reported. */
    public void recover() {
        for (RingZone ring : all) {
            try {
                ring.recover(io);
            } catch (SkipZoneException e) {
                // the device asked us to leave it alone: nothing to show
            } catch (IOException e) {
                problems.add(ring.describe() + " could not be recovered: " + e.getMessage());
            }
        }
    }

    public boolean has(RecordType type) {
        return switch (type) {
            case PMSG -> pmsg != null;
            case CONSOLE -> console != null;
            case FTRACE -> !ftrace.isEmpty();
            default -> false;
        };
    }

    /** The ring zones in device order. */
    public List<Zone> zones() {
        return all.stream().map(RingZone::zone).toList();
    }

    /** The previous run's records, in a new list. */
    public List<PstoreRecord> records() {
        List<PstoreRecord> out = new ArrayList<>();
        for (RingZone ring : all) {
            RecordType type = ring.zone().type();
            if (type != RecordType.FTRACE && ring.previous() != null) {
                out.add(new PstoreRecord(names.name(type, 0, false), type, 0, openedAt, ring.previous().length));
            }
        }
        byte[] trace = mergedFtrace();
        if (trace != null) {
            out.add(new PstoreRecord(names.name(RecordType.FTRACE, 0, false), RecordType.FTRACE, 0, openedAt, trace.length));
        }
        return out;
    }

    public byte[] read(RecordName n, String name) throws NoSuchRecordException {
        if (!exists(n)) {
            throw new NoSuchRecordException(name);
        }
        return n.type() == RecordType.FTRACE ? FtraceLog.render(mergedFtrace()) : ringOf(n.type()).previous().clone();
    }

    /** Whether the listing shows this name. */
    private boolean exists(RecordName n) {
        if (n.id() != 0 || n.compressed()) {
            return false;
        }
        if (n.type() == RecordType.FTRACE) {
            return mergedFtrace() != null;
        }
        RingZone ring = ringOf(n.type());
        return ring != null && ring.previous() != null;
    }

    /** Erases a record; the ftrace record clears every CPU's zone, not only CPU 0's. */
    public void erase(RecordName n, String name) throws PstoreException {
        if (!exists(n)) {
            throw new NoSuchRecordException(name);
        }
        try {
            if (n.type() == RecordType.FTRACE) {
                for (RingZone cpu : ftrace) {
                    cpu.erase(io);
                }
            } else {
                ringOf(n.type()).erase(io);
            }
        } catch (IOException e) {
            throw new PstoreException("erasing " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends to the ring of this type (ftrace: the zone of the calling thread's CPU slot): stored,
     * or pending in memory with a retry scheduled.
     */
    public WriteStatus append(RecordType type, byte[] bytes) throws PstoreException {
        RingZone ring = switch (type) {
            case PMSG -> pmsg;
            case CONSOLE -> console;
            case FTRACE -> ftrace.isEmpty() ? null
                    : ftrace.get((int) Math.floorMod(Thread.currentThread().getId(), (long) ftrace.size()));
            default -> throw new PstoreException(type.label() + " records are not rings: use dump for dmesg");
        };
        if (ring == null) {
            throw new PstoreException("the layout has no " + type.label() + " zone (" + type.label() + "-size 0)");
        }
        if (ring.append(io, bytes)) {
            return WriteStatus.STORED;
        }
        retryLater.run();
        return WriteStatus.PENDING;
    }

    /** Continues the previous run's rings instead of restarting them (those not appended to yet). */
    public void resume() {
        for (RingZone ring : all) {
            ring.resume();
        }
    }

    /** Writes what waits in memory. Returns true when every ring is clean. */
    public boolean flush() {
        boolean clean = true;
        for (RingZone ring : all) {
            clean &= ring.flush(io);
        }
        return clean;
    }

    /** Rings whose data waits for the device; allocates nothing. */
    public int dirtyCount() {
        int n = 0;
        for (int i = 0; i < all.size(); i++) {
            n += all.get(i).dirty() ? 1 : 0;
        }
        return n;
    }

    /** Whether this ring zone's data waits for the device. */
    public boolean dirty(Zone zone) {
        for (RingZone ring : all) {
            if (ring.zone().equals(zone)) {
                return ring.dirty();
            }
        }
        return false;
    }

    private RingZone ringOf(RecordType type) {
        return type == RecordType.PMSG ? pmsg : type == RecordType.CONSOLE ? console : null;
    }

    private byte[] mergedFtrace() {
        byte[] merged = null;
        for (RingZone cpu : ftrace) {
            if (cpu.previous() != null) {
                merged = FtraceLog.combine(merged == null ? new byte[0] : merged, cpu.previous());
            }
        }
        return merged == null || merged.length == 0 ? null : merged;
    }
}
