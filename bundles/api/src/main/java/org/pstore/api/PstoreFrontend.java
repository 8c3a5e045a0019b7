package org.pstore.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A producer of records (whiteboard): kmsg dumps, console, pmsg, traces. The registry enables it
 * only while the active backend has zones of its {@link #type()}, as Linux does with its flags.
 */
@ConsumerType
public interface PstoreFrontend {

    /** The kind of zone this frontend writes. */
    RecordType type();

    /** The active backend has zones for this frontend: from now on it may write to {@code pstore}. */
    void enable(Pstore pstore);

    /** No zones for this frontend any more (or the registry is going away): stop writing. */
    void disable();
}
