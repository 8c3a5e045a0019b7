package org.pstore.registration;

import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;

/**
 * A write on its way to a backend: a kmsg dump or a ring append. It holds the caller's array until
 * it has to be kept ({@link #kept()}), so the common case, a backend that takes it at once, copies
 * nothing.
 */
record BufferedWrite(RecordType type, DumpReason reason, byte[] bytes, boolean compress) {

    static BufferedWrite dump(DumpReason reason, byte[] text, boolean compress) {
        return new BufferedWrite(RecordType.DMESG, reason, text, compress);
    }

    static BufferedWrite append(RecordType type, byte[] bytes) {
        return new BufferedWrite(type, null, bytes, false);
    }

    /** A copy to keep in memory: the caller may reuse its array once the write returned. */
    BufferedWrite kept() {
        return new BufferedWrite(type, reason, bytes.clone(), compress);
    }

    WriteStatus applyTo(Pstore pstore) throws PstoreException {
        return type == RecordType.DMESG ? pstore.dump(reason, bytes, compress) : pstore.append(type, bytes);
    }
}
