package org.pstore.registration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.pstore.api.PstoreFrontend;
import org.pstore.api.RecordType;

/**
 * The frontends (whiteboard) and which of them the active backend serves: a frontend is enabled
 * while a backend with zones of its type is active, as Linux enables its frontends by the
 * backend's flags. During a swap the frontends stay as they are; the writes are buffered.
 *
 * <p>Only decides: guarded by the registry's lock, it answers with the calls to make, which the
 * registry makes once it has released its lock.
 */
final class FrontendRegistry {

    /** A call to make on a frontend: {@code enable(pstore)} or {@code disable()}. */
    record Call(PstoreFrontend frontend, boolean enable) {
    }

    private static final class Entry {
        final RecordType type;
        boolean enabled;

        Entry(RecordType type) {
            this.type = type;
        }
    }

    private final Map<PstoreFrontend, Entry> frontends = new LinkedHashMap<>();
    private Predicate<RecordType> served = type -> false;

    /** A frontend of {@code type} (asked before the lock was taken) appeared. */
    List<Call> add(PstoreFrontend frontend, RecordType type) {
        frontends.put(frontend, new Entry(type));
        List<Call> calls = new ArrayList<>();
        update(frontend, calls);
        return calls;
    }

    List<Call> remove(PstoreFrontend frontend) {
        Entry e = frontends.remove(frontend);
        return e != null && e.enabled ? List.of(new Call(frontend, false)) : List.of();
    }

    /** A backend became active that has zones of the types {@code types} accepts. */
    List<Call> serve(Predicate<RecordType> types) {
        this.served = types;
        List<Call> calls = new ArrayList<>();
        frontends.keySet().forEach(f -> update(f, calls));
        return calls;
    }

    /** The registry is going away: every frontend stops. */
    List<Call> disableAll() {
        return serve(type -> false);
    }

    private void update(PstoreFrontend frontend, List<Call> calls) {
        Entry e = frontends.get(frontend);
        boolean want = served.test(e.type);
        if (want != e.enabled) {
            e.enabled = want;
            calls.add(new Call(frontend, want));
        }
    }
}
