package org.pstore.api;

/** What became of a write. Linux's kmsg writer reports success even when nothing was stored; we say. */
public enum WriteStatus {
    /** On the medium: it survives a power cut from now on. */
    STORED,
    /** Accepted and kept in memory, marked dirty, because the device cannot take it now; it is retried. */
    PENDING,
    /** Not stored because the backend's max_reason excludes this dump reason. */
    FILTERED
}
