package org.pstore.registration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.pstore.api.device.StorageDevice;

/**
 * The known devices and the order in which they are chosen: the configured name, explicit
 * registration, ranking, age. A device that failed to open is not chosen again until the next
 * configuration.
 *
 * <p>Guarded by the registry's lock.
 */
final class Candidates {

    static final class Candidate {
        final StorageDevice device;
        final String name;
        final int ranking;
        final long order;
        final boolean explicit;
        String failure;

        private Candidate(StorageDevice device, String name, int ranking, long order, boolean explicit) {
            this.device = device;
            this.name = name;
            this.ranking = ranking;
            this.order = order;
            this.explicit = explicit;
        }
    }

    private final List<Candidate> candidates = new ArrayList<>();
    private long nextOrder;

    Candidate add(StorageDevice device, String name, int ranking, boolean explicit) {
        Candidate c = new Candidate(device, name, ranking, nextOrder++, explicit);
        candidates.add(c);
        return c;
    }

    void remove(Candidate c) {
        candidates.remove(c);
    }

    Candidate find(StorageDevice device) {
        for (Candidate c : candidates) {
            if (c.device == device) {
                return c;
            }
        }
        return null;
    }

    /** A new configuration: every device is tried again. */
    void clearFailures() {
        candidates.forEach(c -> c.failure = null);
    }

    void clear() {
        candidates.clear();
    }

    /** The devices that did not fail, best first. */
    List<Candidate> usable(String preferred) {
        return candidates.stream().filter(c -> c.failure == null).sorted(order(preferred)).toList();
    }

    /** One line per device that failed to open. */
    List<String> failures() {
        return candidates.stream().filter(c -> c.failure != null).map(c -> "unusable " + c.name + ": " + c.failure).toList();
    }

    private static Comparator<Candidate> order(String preferred) {
        return Comparator.<Candidate, Boolean>comparing(c -> !c.name.equals(preferred))
                .thenComparing(c -> !c.explicit)
                .thenComparing(c -> -(long) c.ranking)
                .thenComparingLong(c -> c.order);
    }
}
