package org.pstore.zone;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.internal.Flusher;
import org.pstore.zone.internal.KmsgZones;
import org.pstore.zone.internal.PanicHandOff;
import org.pstore.zone.internal.PanicWriter;
import org.pstore.zone.internal.Problems;
import org.pstore.zone.internal.RecordNames;
import org.pstore.zone.internal.RecordNames.RecordName;
import org.pstore.zone.internal.RingZones;
import org.pstore.zone.internal.ZoneInspector;
import org.pstore.zone.internal.ZoneIo;

/**
 * Linux's pstore/zone on a {@link StorageDevice}: recovers every zone when opened, lists, reads and
 * erases the records found, writes kmsg dumps round-robin and appends to the pmsg, console and
 * ftrace rings, keeps what the device cannot take yet and retries it, and has a panic path.
 *
 * <p>Memory: the engine keeps the headers of the kmsg zones that hold records and the previous
 * run's ring contents (what it shows), plus what is dirty; it never mirrors the partition.
 *
 * <p>Thread-safe. Every operation takes one lock, except {@link #panicDump}, which waits for it only
 * briefly and otherwise writes without it.
 */
public final class ZoneEngine implements Pstore, Closeable {

    private final StorageDevice device;
    private final ZoneConfig config;
    private volatile boolean closed;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final ZoneIo io;
    private final Problems problems = new Problems();
    private final Flusher flusher;
    private final RecordNames names;
    private final RingZones rings;
    private final KmsgZones kmsg;
    private final PanicWriter panic;
    /** What a panic that got the lock does after writing (allocation-free, prepared here). */
    private final Runnable afterPanic = this::flushIfDirty;

    private ZoneEngine(StorageDevice device, ZoneConfig config, Clock clock) {
        this.device = device;
        this.config = config;
        this.clock = clock;
        this.io = new ZoneIo(device);
        this.flusher = new Flusher(device.name(), () -> underLock(() -> closed || flushDirty()),
                e -> problems.add("the background flush of " + device.name() + " failed: " + e));
        this.names = new RecordNames(config.backendName());
        this.rings = new RingZones(config.layout(), io, problems, names, clock.instant(), flusher::schedule);
        PanicHandOff handOff = new PanicHandOff((int) config.layout().kmsgCount(device.size()));
        this.kmsg = new KmsgZones(device, config.layout(), io, problems, names, handOff, flusher::schedule);
        this.panic = new PanicWriter(device, config.layout(), kmsg, handOff, clock);
    }

    /** {@link #open(StorageDevice, ZoneConfig, Clock)} with the system's clock (UTC). */
    public static ZoneEngine open(StorageDevice device, ZoneConfig config) throws PstoreException {
        return open(device, config, Clock.systemUTC());
    }

    /**
     * Opens the engine on a device and recovers every zone. The layout is checked against the
     * device first; a device that does not fit it is refused and left untouched. Zones that cannot
     * be read are reported in {@link #problems()} and skipped.
     */
    public static ZoneEngine open(StorageDevice device, ZoneConfig config, Clock clock) throws PstoreException {
        config.validate();
        config.layout().validate(device.size());
        ZoneEngine engine = new ZoneEngine(device, config, clock);
        engine.rings.recover();
        engine.kmsg.recover();
        return engine;
    }

    private interface Locked<T> { T run() throws PstoreException; }

    /** Runs under the lock, open or not (the background flush, the figures). */
    private <T> T underLock(Supplier<T> body) {
        lock.lock();
        try {
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    /** Runs under the lock on an open engine, after taking in what panics wrote meanwhile. */
    private <T> T locked(Locked<T> body) throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            panic.takeIn();
            return body.run();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<PstoreRecord> records() throws PstoreException {
        return locked(() -> kmsg.addRecords(rings.records()));
    }

    @Override
    public byte[] read(String name) throws PstoreException {
        return locked(() -> {
            RecordName n = names.parse(name);
            return n.type() == RecordType.DMESG ? kmsg.read(n, name) : rings.read(n, name);
        });
    }

    @Override
    public void erase(String name) throws PstoreException {
        locked(() -> {
            RecordName n = names.parse(name);
            if (n.type() == RecordType.DMESG) {
                kmsg.erase(n, name);
            } else {
                rings.erase(n, name);
            }
            return null;
        });
    }

    @Override
    public WriteStatus dump(DumpReason reason, byte[] text, boolean compress) throws PstoreException {
        if (reason.code() > config.maxReason()) {
            return WriteStatus.FILTERED;
        }
        return locked(() -> kmsg.dump(reason, text, compress, clock.instant()));
    }

    @Override
    public WriteStatus append(RecordType type, byte[] bytes) throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            return rings.append(type, bytes);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes this run's rings continue after the previous run's content instead of restarting
     * (rings not appended to yet), as a tool that edits a partition offline wants.
     */
    public void resumeRings() throws PstoreException {
        locked(() -> {
            rings.resume();
            return null;
        });
    }

    /**
     * Writes a dump from a dying system: synchronously, through the device's panic write, without
     * allocating, and without waiting more than 50 ms for a lock another thread holds. The text is
     * read from the buffer's position to its limit, which are left as they were. Every failure is
     * reported: a device without a panic write cannot store it.
     */
    @Override
    public WriteStatus panicDump(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException {
        if (reason.code() > config.maxReason()) {
            return WriteStatus.FILTERED;
        }
        checkOpen();
        return panic.dump(lock, afterPanic, reason, text, compress);
    }

    /** As Linux does after a panic record: push out what other writes left dirty. */
    private void flushIfDirty() {
        if (!closed && kmsg.pendingCount() + rings.dirtyCount() > 0) {
            flushDirty();
        }
    }

    /** Writes everything that is dirty. Returns true when nothing is left dirty. */
    public boolean flush() throws PstoreException {
        return locked(this::flushDirty);
    }

    private boolean flushDirty() {
        panic.takeIn();
        boolean clean = kmsg.flush();
        return rings.flush() && clean;
    }

    /**
     * Flushes and stops the background flush; waits for a panic write that runs without the lock
     * (refusing later ones) before its deflater ends. The device stays open: it belongs to the
     * caller. Data that still cannot be written is reported, not silently dropped.
     */
    @Override
    public void close() throws PstoreException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            boolean clean = flushDirty();
            closed = true;
            flusher.stop();
            kmsg.close();
            if (!panic.close()) {
                throw new PstoreException("a panic write on " + device.name() + " was still running when closing");
            }
            if (!clean) {
                throw new PstoreException((kmsg.pendingCount() + rings.dirtyCount()) + " zone(s) of " + device.name()
                        + " could not be written before closing: " + io.lastWriteError());
            }
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() throws PstoreException {
        if (closed) {
            throw new PstoreException("the pstore engine on " + device.name() + " is closed");
        }
    }

    @Override
    public boolean hasZones(RecordType type) {
        return type == RecordType.DMESG ? kmsg.count() > 0 : rings.has(type);
    }

    @Override
    public int maxReason() {
        return config.maxReason();
    }

    @Override
    public int dumpCapacity(boolean compress) {
        return config.layout().dumpCapacity(compress);
    }

    public ZoneConfig config() {
        return config;
    }

    public StorageDevice device() {
        return device;
    }

    public int kmsgZoneCount() {
        return kmsg.count();
    }

    /** The kmsg zone the next dump goes to (before any skip). */
    public int nextKmsgZone() {
        return kmsg.next();
    }

    public int oopsCount() {
        return kmsg.oopsCount();
    }

    public int panicCount() {
        return kmsg.panicCount();
    }

    /** Zones whose data waits in memory for the device. */
    public int dirtyZoneCount() {
        return underLock(() -> kmsg.pendingCount() + rings.dirtyCount());
    }

    /** Whether the zone's data waits in memory for the device. */
    public boolean dirty(Zone zone) {
        return underLock(() -> zone.type() == RecordType.DMESG ? kmsg.pending(zone.index()) : rings.dirty(zone));
    }

    /** What went wrong while recovering or flushing (at most 64 messages, then how many more). */
    public List<String> problems() {
        return problems.list();
    }

    /** Reads every zone's headers from the device, in device order, without changing anything (for {@code info}). */
    public void describeZones(Consumer<ZoneInfo> out) throws PstoreException {
        locked(() -> {
            new ZoneInspector(io, config.layout(), rings.zones(), kmsg.count()).describeAll(out);
            return null;
        });
    }
}
