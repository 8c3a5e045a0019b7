package org.pstore.registration;

import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;

/** A write kept in memory until a backend takes it: a kmsg dump or a ring append. */
record BufferedWrite(RecordType type, DumpReason reason, byte[] bytes, boolean compress) {

    static BufferedWrite dump(DumpReason reason, byte[] text, boolean compress) {
        return new BufferedWrite(RecordType.DMESG, reason, text.clone(), compress);
    }

    static BufferedWrite append(RecordType type, byte[] bytes) {
        return new BufferedWrite(type, null, bytes.clone(), false);
    }

    WriteStatus applyTo(Pstore pstore) throws PstoreException {
        return type == RecordType.DMESG ? pstore.dump(reason, bytes, compress) : pstore.append(type, bytes);
    }
}
