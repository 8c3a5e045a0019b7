package org.pstore.frontend;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.RecordType;

/** The console frontend: every log line also goes to the console ring, as kmsg lines. */
@Component(immediate = true, service = PstoreFrontend.class)
public class ConsoleComponent implements PstoreFrontend {

    private final LogTap tap = new LogTap(this::write);
    private volatile Pstore pstore;

    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Logger logger;

    /** The OSGi log, whenever one comes: its entries go to the console too. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindLog(LogReaderService log) {
        tap.listen(log);
    }

    void unbindLog(LogReaderService log) {
        tap.stopListening(log);
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
                Logger l = logger;
                if (l != null) {
                    l.debug("console line not stored", e); // not fed back: LogTap ignores its own thread
                }
            }
        }
    }
}
