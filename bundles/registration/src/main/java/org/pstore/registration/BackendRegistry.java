package org.pstore.registration;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.pstore.api.BackendBusyException;
import org.pstore.api.BackendStatus;
import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.ZoneStatus;
import org.pstore.api.device.DeviceFigures;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * Exactly one active backend, chosen among the known devices: the one the configuration names,
 * otherwise the highest ranking, then the oldest. The others wait as standbys. When the active
 * device leaves, the engine is flushed and closed, writes that arrive meanwhile are kept in memory,
 * and the next device becomes active, recovers and receives them. Writes the old engine had only
 * kept in memory (PENDING) are replayed on the next one when closing could not flush them.
 *
 * <p>Every decision is taken under one lock, on the {@link Candidates}, the {@link WriteBuffer} and
 * the {@link FrontendRegistry}; the calls it leads to (a frontend's enable or disable, the swap
 * listener) are made after the lock is released, by {@link DeferredCalls}.
 *
 * <p>Plain Java; {@link RegistrationComponent} wires it into OSGi.
 */
final class BackendRegistry implements Pstore, PstoreRegistry {

    /** Told of every change of the active backend (null while none is active). */
    interface SwapListener {
        void swapped(String previous, String active, long swaps);
    }

    /** What the registration's configuration says. */
    record Settings(ZoneConfig zoneConfig, String preferred) {
    }

    static final int MAX_PROBLEMS = 32;

    private final ReentrantLock lock = new ReentrantLock();
    private final Candidates candidates = new Candidates();
    private final WriteBuffer writes = new WriteBuffer();
    private final List<String> problems = new ArrayList<>();
    private final FrontendRegistry frontends = new FrontendRegistry();
    private final DeferredCalls calls = new DeferredCalls(lock, this::problem);
    private final SwapListener listener;
    /** Replaced under the lock; read without it by the writers' checks and the panic path. */
    private volatile Settings settings;
    private Candidates.Candidate active;
    private volatile ZoneEngine engine;
    private String lastActiveName;
    /** Devices that were active before in this process. */
    private final Set<String> activatedBefore = new HashSet<>();
    private long activations;

    BackendRegistry(Settings settings, SwapListener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    // ---- devices and configuration

    /** A device service appeared. */
    void addDevice(StorageDevice device, String name, int ranking) {
        lock.lock();
        try {
            candidates.add(device, name, ranking, false);
            reselect();
        } finally {
            lock.unlock();
        }
        calls.make();
    }

    /** A device service is going away (still usable for the final flush). */
    void removeDevice(StorageDevice device) {
        lock.lock();
        try {
            Candidates.Candidate c = candidates.find(device);
            if (c == null) {
                return;
            }
            candidates.remove(c);
            if (c == active) {
                deactivate();
                reselect();
            }
        } finally {
            lock.unlock();
        }
        calls.make();
    }

    /** A new configuration: the backend is reopened with it. */
    void configure(Settings newSettings) {
        lock.lock();
        try {
            settings = newSettings;
            candidates.clearFailures();
            deactivate();
            reselect();
        } finally {
            lock.unlock();
        }
        calls.make();
    }

    @Override
    public void register(StorageDevice device) throws PstoreException {
        String name = device.name();
        lock.lock();
        try {
            if (active != null) {
                throw new BackendBusyException(active.name);
            }
            Candidates.Candidate c = candidates.add(device, name, Integer.MAX_VALUE, true);
            reselect();
            if (active != c) {
                candidates.remove(c);
                throw new PstoreException("cannot use " + name + ": " + c.failure);
            }
        } finally {
            lock.unlock();
            calls.make();
        }
    }

    @Override
    public void unregister(StorageDevice device) {
        removeDevice(device);
    }

    void addFrontend(PstoreFrontend frontend) {
        RecordType type = frontend.type();
        lock.lock();
        try {
            calls.add(frontends.add(frontend, type), this);
        } finally {
            lock.unlock();
        }
        calls.make();
    }

    void removeFrontend(PstoreFrontend frontend) {
        lock.lock();
        try {
            calls.add(frontends.remove(frontend), this);
        } finally {
            lock.unlock();
        }
        calls.make();
    }

    /** Stops the frontends, flushes and closes the active backend. */
    void close() {
        lock.lock();
        try {
            calls.add(frontends.disableAll(), this);
            deactivate();
            candidates.clear();
        } finally {
            lock.unlock();
        }
        calls.make();
    }

    // ---- decisions, under the lock

    private List<Candidates.Candidate> usable() {
        return candidates.usable(settings.preferred());
    }

    /** Activates the best device when none is active, or the configured one when it appears. */
    private void reselect() {
        List<Candidates.Candidate> usable = usable();
        if (usable.isEmpty()) {
            return;
        }
        Candidates.Candidate best = usable.get(0);
        boolean preferredArrived = active != null && best != active && best.name.equals(settings.preferred());
        if (active != null && !preferredArrived) {
            return;
        }
        deactivate();
        for (Candidates.Candidate c : usable) {
            if (activate(c)) {
                return;
            }
        }
    }

    private boolean activate(Candidates.Candidate c) {
        ZoneEngine opened;
        try {
            opened = ZoneEngine.open(c.device, settings.zoneConfig());
        } catch (PstoreException | RuntimeException e) {
            c.failure = e.getMessage();
            problem("cannot use " + c.name + ": " + e.getMessage());
            return false;
        }
        if (!activatedBefore.add(c.name)) {
            // the same device again in this process: its rings hold this run's writes, which a
            // restart of the ring would overwrite; only a new boot starts the rings afresh
            try {
                opened.resumeRings();
            } catch (PstoreException e) {
                problem(c.name + ": " + e.getMessage());
            }
        }
        String previous = lastActiveName;
        active = c;
        engine = opened;
        opened.problems().forEach(p -> problem(c.name + ": " + p));
        writes.replay(opened, c.name, this::problem);
        long swaps = activations++;
        lastActiveName = c.name;
        calls.add(frontends.serve(this::hasZones), this);
        calls.add(() -> listener.swapped(previous, c.name, swaps));
        return true;
    }

    /** Flushes and closes the engine; what it could not flush is kept for the next backend. */
    private void deactivate() {
        ZoneEngine e = engine;
        if (e == null) {
            return;
        }
        engine = null;
        String name = active.name;
        active = null;
        try {
            e.close();
            writes.flushed();
        } catch (PstoreException failed) {
            problem(name + ": " + failed.getMessage() + "; " + writes.notFlushed() + " write(s) kept for the next backend");
        }
    }

    /** Called under the lock. */
    private void problem(String message) {
        if (problems.size() == MAX_PROBLEMS) {
            problems.remove(0);
        }
        problems.add(message);
    }

    // ---- Pstore, delegated to the active engine

    private ZoneEngine requireEngine() throws PstoreException {
        ZoneEngine e = engine;
        if (e == null) {
            throw new PstoreException("no active pstore backend");
        }
        return e;
    }

    @Override
    public List<PstoreRecord> records() throws PstoreException {
        lock.lock();
        try {
            return requireEngine().records();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public byte[] read(String name) throws PstoreException {
        lock.lock();
        try {
            return requireEngine().read(name);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void erase(String name) throws PstoreException {
        lock.lock();
        try {
            requireEngine().erase(name);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public WriteStatus dump(DumpReason reason, byte[] text, boolean compress) throws PstoreException {
        if (reason.code() > maxReason()) {
            return WriteStatus.FILTERED;
        }
        return write(BufferedWrite.dump(reason, text, compress));
    }

    @Override
    public WriteStatus append(RecordType type, byte[] bytes) throws PstoreException {
        if (!hasZones(type)) {
            throw new PstoreException("the layout has no " + type.label() + " zone");
        }
        return write(BufferedWrite.append(type, bytes));
    }

    private WriteStatus write(BufferedWrite w) throws PstoreException {
        lock.lock();
        try {
            return writes.write(w, engine);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public WriteStatus panicDump(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException {
        ZoneEngine e = engine; // no lock: a panic must not wait for a swap
        if (e == null) {
            throw new PstoreException("no active pstore backend: the panic record is lost");
        }
        return e.panicDump(reason, text, compress);
    }

    @Override
    public boolean hasZones(RecordType type) {
        ZoneLayout l = settings.zoneConfig().layout();
        return switch (type) {
            case DMESG -> l.kmsgSize() > 0;
            case PMSG -> l.pmsgSize() > 0;
            case CONSOLE -> l.consoleSize() > 0;
            case FTRACE -> l.ftraceSize() > 0;
            default -> false;
        };
    }

    @Override
    public int maxReason() {
        return settings.zoneConfig().maxReason();
    }

    @Override
    public int dumpCapacity(boolean compress) {
        return settings.zoneConfig().layout().dumpCapacity(compress);
    }

    @Override
    public List<ZoneStatus> zones() throws PstoreException {
        List<ZoneStatus> out = new ArrayList<>();
        lock.lock();
        try {
            ZoneEngine e = requireEngine();
            e.describeZones(z -> out.add(new ZoneStatus(z.zone().type(), z.zone().index(), z.zone().offset(),
                    z.zone().size(), z.state().label(), e.dirty(z.zone()), z.detail())));
        } finally {
            lock.unlock();
        }
        return out;
    }

    @Override
    public BackendStatus status() {
        StorageDevice device = null;
        String name = null;
        int kmsgZones = 0;
        int records = 0;
        int dirtyZones = 0;
        int oopsCount = 0;
        int panicCount = 0;
        List<String> standbys;
        List<String> all;
        int bufferedWrites;
        long swaps;
        Settings s;
        lock.lock();
        try {
            s = settings;
            ZoneEngine e = engine;
            if (e != null) {
                device = active.device;
                name = active.name;
                kmsgZones = e.kmsgZoneCount();
                dirtyZones = e.dirtyZoneCount();
                oopsCount = e.oopsCount();
                panicCount = e.panicCount();
                try {
                    records = e.records().size();
                } catch (PstoreException ignored) {
                    // closed under us: reported as none
                }
            }
            standbys = usable().stream().filter(c -> c != active).map(c -> c.name).toList();
            all = new ArrayList<>(problems);
            all.addAll(candidates.failures());
            bufferedWrites = writes.size();
            swaps = Math.max(0, activations - 1);
        } finally {
            lock.unlock();
        }
        ZoneLayout l = s.zoneConfig().layout();
        BackendStatus.Layout layout = new BackendStatus.Layout(l.kmsgSize(), l.pmsgSize(), l.consoleSize(),
                l.ftraceSize(), l.cpus(), s.zoneConfig().maxReason());
        // the device is another component: asked once the lock is released
        BackendStatus.Active a = device == null ? null
                : new BackendStatus.Active(name, kmsgZones, records, dirtyZones, oopsCount, panicCount, figures(device));
        return new BackendStatus(a, standbys, layout, bufferedWrites, swaps, all);
    }

    private static DeviceFigures figures(StorageDevice device) {
        try {
            return device.figures();
        } catch (RuntimeException e) {
            return new DeviceFigures(List.of(new DeviceFigures.Figure("figures-unavailable", String.valueOf(e))), List.of());
        }
    }
}
