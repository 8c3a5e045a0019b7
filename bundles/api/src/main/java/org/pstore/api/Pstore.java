package org.pstore.api;

import java.nio.ByteBuffer;
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

    /**
     * Stores a dump from a dying system through the panic path: synchronous, allocation-free once
     * open, reported when it fails. The text is read from the buffer's position to its limit.
     */
    WriteStatus panicDump(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException;

    /** Whether the backend has zones of this type. */
    boolean hasZones(RecordType type);

    /** The highest dump reason the backend stores (Linux's max_reason). */
    int maxReason();

    /**
     * The most bytes of dump text one record keeps, compressed or not: a dumper sends the newest
     * part of its log that fits, as the rest would be cut off.
     */
    int dumpCapacity(boolean compress);
}
