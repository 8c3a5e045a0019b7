package org.pstore.frontend;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.pstore.api.DumpReason;
import org.pstore.api.KmsgDumper;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;

/**
 * The kmsg frontend. Keeps the recent log (OSGi Log Service and java.util.logging) as kmsg lines
 * and dumps it, newest part first kept, as a record that begins {@code <Reason>#<n> Part1}:
 * <ul>
 * <li>OOPS on an uncaught exception in any thread and on a framework ERROR event;</li>
 * <li>PANIC on an uncaught {@link VirtualMachineError} (OutOfMemoryError, InternalError, ...) and on
 * an explicit {@link #panic}, through the panic path, from a buffer prepared when enabled;</li>
 * <li>SHUTDOWN when the framework stops cleanly (stored only where max_reason allows it).</li>
 * </ul>
 */
@Component(immediate = true, configurationPid = KmsgDumperConfig.PID, service = {PstoreFrontend.class, KmsgDumper.class})
@Designate(ocd = KmsgDumperConfig.class)
public class KmsgDumperComponent implements PstoreFrontend, KmsgDumper {

    private final KmsgDumps dumps;
    private final LogTap tap;
    private final BundleContext context;
    private final Thread.UncaughtExceptionHandler previousHandler;
    private final Thread.UncaughtExceptionHandler handler = this::uncaught;
    private final FrameworkListener frameworkErrors = this::frameworkEvent;
    private final SynchronousBundleListener shutdown = this::bundleEvent;

    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Logger logger;

    @Activate
    public KmsgDumperComponent(KmsgDumperConfig config, BundleContext context) {
        this.dumps = new KmsgDumps(config.log_bytes(), config.compress());
        this.context = context;
        this.tap = new LogTap(dumps::add);
        this.previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(handler);
        context.addFrameworkListener(frameworkErrors);
        context.addBundleListener(shutdown);
    }

    /** The OSGi log, whenever one comes: its entries join the recent log. */
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
        context.removeBundleListener(shutdown);
        context.removeFrameworkListener(frameworkErrors);
        if (Thread.getDefaultUncaughtExceptionHandler() == handler) {
            Thread.setDefaultUncaughtExceptionHandler(previousHandler); // unless someone came after us
        }
        tap.close();
    }

    @Override
    public RecordType type() {
        return RecordType.DMESG;
    }

    @Override
    public void enable(Pstore target) {
        dumps.enable(target);
    }

    @Override
    public void disable() {
        dumps.disable();
    }

    @Override
    public WriteStatus oops(String message) throws PstoreException {
        // into the recent log directly: the log service may deliver it after the dump
        dumps.log(KmsgLine.ERR, message);
        return dumps.dump(DumpReason.OOPS);
    }

    @Override
    public WriteStatus panic(String message) throws PstoreException {
        try {
            dumps.log(KmsgLine.EMERG, "Kernel panic - not syncing: " + message);
        } catch (Throwable noMemory) {
            // out of memory even for the message: the panic record goes on with the log as it is
        }
        return dumps.panicDump();
    }

    private void uncaught(Thread thread, Throwable error) {
        try {
            dumps.log(KmsgLine.ERR, LogTap.text("Uncaught exception in thread \"" + thread.getName() + "\"", error));
        } catch (Throwable noMemory) {
            // out of memory even for the message: the dump goes on with the log as it is
        }
        try {
            if (error instanceof VirtualMachineError) {
                dumps.panicDump();
            } else {
                dumps.dump(DumpReason.OOPS);
            }
        } catch (PstoreException | RuntimeException e) {
            warn("pstore could not store the dump", e);
        }
        if (previousHandler != null) {
            previousHandler.uncaughtException(thread, error);
        }
    }

    private void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.ERROR && dumps.enabled()) {
            dumps.log(KmsgLine.ERR, LogTap.text("Framework error from " + event.getBundle().getSymbolicName(),
                    event.getThrowable()));
            try {
                dumps.dump(DumpReason.OOPS);
            } catch (PstoreException e) {
                warn("pstore could not store the dump", e);
            }
        }
    }

    private void bundleEvent(BundleEvent event) {
        // the system bundle stopping is the framework shutting down cleanly
        if (event.getType() == BundleEvent.STOPPING && event.getBundle().getBundleId() == Constants.SYSTEM_BUNDLE_ID
                && dumps.enabled()) {
            dumps.log(KmsgLine.NOTICE, "framework stopping");
            try {
                dumps.dump(DumpReason.SHUTDOWN);
            } catch (PstoreException e) {
                warn("pstore could not store the shutdown dump", e);
            }
        }
    }

    private void warn(String message, Exception e) {
        Logger l = logger;
        if (l != null) {
            l.warn(message, e);
        }
    }
}
