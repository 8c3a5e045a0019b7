package org.pstore.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The kmsg frontend: keeps the recent log and dumps it as a record on an oops or a panic, each
 * dump beginning {@code <Reason>#<n> Part1}.
 */
@ProviderType
public interface KmsgDumper {

    /** Logs {@code message} and dumps the recent log as an Oops record. */
    WriteStatus oops(String message) throws PstoreException;

    /** Logs {@code message} and dumps the recent log as a Panic record through the panic path. */
    WriteStatus panic(String message) throws PstoreException;
}
