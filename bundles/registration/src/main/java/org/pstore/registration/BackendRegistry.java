package org.pstore.registration;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
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

    /** Writes kept while no backend is active: older dumps and ring bytes would be overwritten anyway. */
    static final int MAX_BUFFERED_DUMPS = 256;
    static final int MAX_BUFFERED_RING_BYTES = 1 << 20;
    private static final int MAX_PROBLEMS = 32;

    private static final class Candidate {
        final StorageDevice device;
        final String name;
        final int ranking;
        final long order;
        final boolean explicit;
        String failure;

        Candidate(StorageDevice device, String name, int ranking, long order, boolean explicit) {
            this.device = device;
            this.name = name;
            this.ranking = ranking;
            this.order = order;
            this.explicit = explicit;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Candidate> candidates = new ArrayList<>();
    private final Deque<BufferedWrite> buffered = new ArrayDeque<>();
    private final List<BufferedWrite> unconfirmed = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final FrontendRegistry frontends;
    private final SwapListener listener;
    private Settings settings;
    private Candidate active;
    private volatile ZoneEngine engine;
    private String lastActiveName;
    /** Devices that were active before in this process. */
    private final Set<String> activatedBefore = new HashSet<>();
    private long activations;
    private long nextOrder;

    BackendRegistry(Settings settings, SwapListener listener) {
        this.settings = settings;
        this.listener = listener;
        this.frontends = new FrontendRegistry(this, this::problem);
    }

    // ---- devices and configuration

    /** A device service appeared. */
    void addDevice(StorageDevice device, String name, int ranking) {
        lock.lock();
        try {
            candidates.add(new Candidate(device, name, ranking, nextOrder++, false));
            reselect();
        } finally {
            lock.unlock();
        }
    }

    /** A device service is going away (still usable for the final flush). */
    void removeDevice(StorageDevice device) {
        lock.lock();
        try {
            Candidate c = find(device);
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
    }

    /** A new configuration: the backend is reopened with it. */
    void configure(Settings newSettings) {
        lock.lock();
        try {
            settings = newSettings;
            candidates.forEach(c -> c.failure = null);
            deactivate();
            reselect();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void register(StorageDevice device) throws PstoreException {
        lock.lock();
        try {
            if (active != null) {
                throw new BackendBusyException(active.name);
            }
            Candidate c = new Candidate(device, device.name(), Integer.MAX_VALUE, nextOrder++, true);
            candidates.add(c);
            reselect();
            if (active != c) {
                candidates.remove(c);
                throw new PstoreException("cannot use " + device.name() + ": " + c.failure);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void unregister(StorageDevice device) {
        removeDevice(device);
    }

    void addFrontend(PstoreFrontend frontend) {
        frontends.add(frontend);
    }

    void removeFrontend(PstoreFrontend frontend) {
        frontends.remove(frontend);
    }

    boolean isEnabled(PstoreFrontend frontend) {
        return frontends.isEnabled(frontend);
    }

    /** Flushes and closes the active backend and stops the frontends. */
    void close() {
        frontends.disableAll();
        lock.lock();
        try {
            deactivate();
            candidates.clear();
        } finally {
            lock.unlock();
        }
    }

    private Candidate find(StorageDevice device) {
        for (Candidate c : candidates) {
            if (c.device == device) {
                return c;
            }
        }
        return null;
    }

    /** The selection order: the configured name, explicit registration, ranking, age. */
    private Comparator<Candidate> order() {
        return Comparator.<Candidate, Boolean>comparing(c -> !c.name.equals(settings.preferred()))
                .thenComparing(c -> !c.explicit)
                .thenComparing(c -> -(long) c.ranking)
                .thenComparingLong(c -> c.order);
    }

    private List<Candidate> usable() {
        return candidates.stream().filter(c -> c.failure == null).sorted(order()).toList();
    }

    /** Activates the best device when none is active, or the configured one when it appears. */
    private void reselect() {
        List<Candidate> usable = usable();
        if (usable.isEmpty()) {
            return;
        }
        Candidate best = usable.get(0);
        boolean preferredArrived = active != null && best != active && best.name.equals(settings.preferred());
        if (active != null && !preferredArrived) {
            return;
        }
        deactivate();
        for (Candidate c : usable) {
            if (activate(c)) {
                return;
            }
        }
    }

    private boolean activate(Candidate c) {
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
        replay(opened);
        long swaps = activations++;
        lastActiveName = c.name;
        frontends.backendActive(this::hasZones);
        listener.swapped(previous, c.name, swaps);
        return true;
    }

    private void replay(ZoneEngine target) {
        while (!buffered.isEmpty()) {
            BufferedWrite w = buffered.peekFirst();
            try {
                if (w.applyTo(target) == WriteStatus.PENDING) {
                    unconfirmed.add(w);
                }
            } catch (PstoreException e) {
                problem("a buffered " + w.type().label() + " write could not be replayed on " + active.name + ": "
                        + e.getMessage());
            }
            buffered.removeFirst();
        }
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
            unconfirmed.clear();
        } catch (PstoreException failed) {
            problem(name + ": " + failed.getMessage() + "; " + unconfirmed.size() + " write(s) kept for the next backend");
            unconfirmed.forEach(buffered::addLast);
            unconfirmed.clear();
        }
    }

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
            ZoneEngine e = engine;
            if (e == null) {
                buffer(w.kept());
                return WriteStatus.PENDING;
            }
            WriteStatus status = w.applyTo(e);
            if (status == WriteStatus.PENDING) {
                unconfirmed.add(w.kept());
            } else if (!unconfirmed.isEmpty() && e.dirtyZoneCount() == 0) {
                unconfirmed.clear();
            }
            return status;
        } finally {
            lock.unlock();
        }
    }

    private void buffer(BufferedWrite w) {
        buffered.addLast(w);
        int dumps = 0;
        long ringBytes = 0;
        for (Iterator<BufferedWrite> it = buffered.descendingIterator(); it.hasNext(); ) {
            BufferedWrite b = it.next();
            boolean dump = b.type() == RecordType.DMESG;
            if (dump ? ++dumps > MAX_BUFFERED_DUMPS : (ringBytes += b.bytes().length) > MAX_BUFFERED_RING_BYTES) {
                it.remove(); // a backend would have overwritten it by now
            }
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
    public BackendStatus status() {
        lock.lock();
        try {
            ZoneEngine e = engine;
            List<String> standbys = usable().stream().filter(c -> c != active).map(c -> c.name).toList();
            int records = 0;
            if (e != null) {
                try {
                    records = e.records().size();
                } catch (PstoreException ignored) {
                    // closed under us: reported as none
                }
            }
            List<String> all = new ArrayList<>(problems);
            candidates.stream().filter(c -> c.failure != null).forEach(c -> all.add("unusable " + c.name + ": " + c.failure));
            return new BackendStatus(active == null ? null : active.name, standbys,
                    settings.zoneConfig().layout().toString(),
                    e == null ? 0 : e.kmsgZoneCount(), records, e == null ? 0 : e.dirtyZoneCount(), buffered.size(),
                    e == null ? 0 : e.oopsCount(), e == null ? 0 : e.panicCount(), Math.max(0, activations - 1),
                    List.copyOf(all), e == null ? "" : e.device().describe());
        } finally {
            lock.unlock();
        }
    }
}
