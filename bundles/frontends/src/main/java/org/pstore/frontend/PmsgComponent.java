package org.pstore.frontend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import org.osgi.service.component.annotations.Component;
import org.pstore.api.Pmsg;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;

/** The pmsg frontend: applications' own messages, like writes to /dev/pmsg0. */
@Component(service = {PstoreFrontend.class, Pmsg.class})
public class PmsgComponent implements PstoreFrontend, Pmsg {

    private volatile Pstore pstore;

    @Override
    public RecordType type() {
        return RecordType.PMSG;
    }

    @Override
    public void enable(Pstore target) {
        pstore = target;
    }

    @Override
    public void disable() {
        pstore = null;
    }

    @Override
    public WriteStatus write(byte[] bytes) throws PstoreException {
        Pstore target = pstore;
        if (target == null) {
            throw new PstoreException("pmsg is not served: the active pstore backend has no pmsg zone (or there is none)");
        }
        return target.append(RecordType.PMSG, bytes);
    }

    @Override
    public OutputStream openStream() {
        return new ByteArrayOutputStream() {
            @Override
            public synchronized void flush() throws IOException {
                if (count > 0) {
                    PmsgComponent.this.write(toByteArray());
                    reset();
                }
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
