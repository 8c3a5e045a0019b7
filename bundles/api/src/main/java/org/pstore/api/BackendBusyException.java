package org.pstore.api;

/** A backend is already active (Linux's -EBUSY). */
public class BackendBusyException extends PstoreException {
    private static final long serialVersionUID = 1L;

    private final String active;

    public BackendBusyException(String active) {
        super("pstore backend busy: '" + active + "' is active");
        this.active = active;
    }

    /** The name of the active backend. */
    public String active() {
        return active;
    }
}
