package org.pstore.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A persistent store of crash records: the previous run's records to read and erase, and this
 * run's records to write.
 */
@ProviderType
public interface Pstore {

    /** The records kept from before this store was opened, in zone order. */
    List<PstoreRecord> records() throws PstoreException;

    /** The record's bytes, exactly as Linux shows them under /sys/fs/pstore. */
    byte[] read(String name) throws PstoreException;

    /** Erases the record as Linux does. */
    void erase(String name) throws PstoreException;

    /**
     * Stores a kernel-message dump (its text starts, by Linux's convention, with
     * {@code <Reason>#<n> Part1}); only what fits in one zone is kept.
     */
    WriteStatus dump(DumpReason reason, byte[] text, boolean compress) throws PstoreException;

    /** Appends bytes to this run's ring of the given type (pmsg, console or ftrace). */
    WriteStatus append(RecordType type, byte[] bytes) throws PstoreException;
}
