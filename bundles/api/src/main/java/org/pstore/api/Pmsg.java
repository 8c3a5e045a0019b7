package org.pstore.api;

import java.io.OutputStream;

import org.osgi.annotation.versioning.ProviderType;

/** The pmsg frontend: applications' own messages, kept like /dev/pmsg0. */
@ProviderType
public interface Pmsg {

    /** Appends {@code bytes} to this run's pmsg record. */
    WriteStatus write(byte[] bytes) throws PstoreException;

    /** A stream whose every {@code flush()} (and {@code close()}) appends what was written since. */
    OutputStream openStream();
}
