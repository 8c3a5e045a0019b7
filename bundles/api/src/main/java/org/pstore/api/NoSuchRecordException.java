package org.pstore.api;

/** The named record does not exist (or no longer does). */
public class NoSuchRecordException extends PstoreException {
    private static final long serialVersionUID = 1L;

    public NoSuchRecordException(String name) {
        super("no record named '" + name + "'");
    }
}
