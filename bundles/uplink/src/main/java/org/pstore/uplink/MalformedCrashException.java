package org.pstore.uplink;

/** A crash message that is not what {@link CrashMessage} describes; the message says why. */
public final class MalformedCrashException extends Exception {

    private static final long serialVersionUID = 1L;

    public MalformedCrashException(String reason) {
        super(reason);
    }
}
