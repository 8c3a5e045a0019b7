package org.pstore.registration;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.pstore.api.Pstore;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.RecordType;

/**
 * The frontends (whiteboard) and which of them the active backend serves: a frontend is enabled
 * while a backend with zones of its type is active, as Linux enables its frontends by the
 * backend's flags. During a swap the frontends stay as they are; the writes are buffered.
 */
final class FrontendRegistry {

    private final Pstore pstore;
    private final Consumer<String> problems;
    private final Map<PstoreFrontend, Boolean> enabled = new LinkedHashMap<>();
    private Predicate<RecordType> served = type -> false;

    FrontendRegistry(Pstore pstore, Consumer<String> problems) {
        this.pstore = pstore;
        this.problems = problems;
    }

    synchronized void add(PstoreFrontend frontend) {
        enabled.put(frontend, false);
        update(frontend);
    }

    synchronized void remove(PstoreFrontend frontend) {
        Boolean on = enabled.remove(frontend);
        if (Boolean.TRUE.equals(on)) {
            call(frontend, false);
        }
    }

    /** A backend became active that has zones of the types {@code served} accepts. */
    synchronized void backendActive(Predicate<RecordType> served) {
        this.served = served;
        enabled.keySet().forEach(this::update);
    }

    /** The registry is going away: every frontend stops. */
    synchronized void disableAll() {
        served = type -> false;
        enabled.keySet().forEach(this::update);
    }

    synchronized boolean isEnabled(PstoreFrontend frontend) {
        return Boolean.TRUE.equals(enabled.get(frontend));
    }

    private void update(PstoreFrontend frontend) {
        boolean want = served.test(frontend.type());
        if (want != enabled.get(frontend)) {
            enabled.put(frontend, want);
            call(frontend, want);
        }
    }

    private void call(PstoreFrontend frontend, boolean enable) {
        try {
            if (enable) {
                frontend.enable(pstore);
            } else {
                frontend.disable();
            }
        } catch (RuntimeException e) {
            problems.accept("frontend " + frontend + " failed to " + (enable ? "enable" : "disable") + ": " + e);
        }
    }
}
