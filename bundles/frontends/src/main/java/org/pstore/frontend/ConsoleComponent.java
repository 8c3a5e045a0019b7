package org.pstore.frontend;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.log.LogReaderService;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.RecordType;

/** The console frontend: every log line also goes to the console ring, as kmsg lines. */
@Component(immediate = true, service = PstoreFrontend.class)
public class ConsoleComponent implements PstoreFrontend {

    private static final Logger LOG = Logger.getLogger("pstore");

    private final LogTap tap;
    private volatile Pstore pstore;

    @Activate
    public ConsoleComponent(@Reference(cardinality = ReferenceCardinality.OPTIONAL) LogReaderService log) {
        this.tap = new LogTap(log, this::write);
    }

    @Deactivate
    void deactivate() {
        tap.close();
    }

    @Override
    public RecordType type() {
        return RecordType.CONSOLE;
    }

    @Override
    public void enable(Pstore target) {
        pstore = target;
    }

    @Override
    public void disable() {
        pstore = null;
    }

    private void write(byte[] line) {
        Pstore target = pstore;
        if (target != null) {
            try {
                target.append(RecordType.CONSOLE, line);
            } catch (PstoreException e) {
                LOG.log(Level.FINE, "console line not stored", e); // not fed back: LogTap ignores its own thread
            }
        }
    }
}
