package org.pstore.api;

import java.io.IOException;

/** A pstore operation that could not be done; the message says what and why. */
public class PstoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public PstoreException(String message) {
        super(message);
    }

    public PstoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
