package org.pstore.zone;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;

/**
 * What the engine needs beyond the device: the layout, the highest dump reason stored (Linux's
 * {@code max_reason}) and the backend name that forms the middle of record names.
 */
public record ZoneConfig(ZoneLayout layout, int maxReason, String backendName) {

    public static final String DEFAULT_BACKEND_NAME = "pstore_blk";

    /** pstore_blk's defaults on the given layout: oops and panic, named {@code pstore_blk}. */
    public static ZoneConfig of(ZoneLayout layout) {
        return new ZoneConfig(layout, DumpReason.OOPS.code(), DEFAULT_BACKEND_NAME);
    }

    public void validate() throws PstoreException {
        layout.validate();
        if (maxReason < 0) {
            throw new PstoreException("max-reason must not be negative, got " + maxReason);
        }
        if (backendName == null || backendName.isEmpty() || backendName.contains("/")) {
            throw new PstoreException("backend name '" + backendName + "' must be non-empty and contain no '/'");
        }
    }
}
