package org.pstore.frontend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

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
import org.osgi.service.log.LogReaderService;
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

    private static final Logger LOG = Logger.getLogger("pstore");

    private final LogTail tail;
    private final LogTap tap;
    private final boolean compress;
    private final BundleContext context;
    private final Thread.UncaughtExceptionHandler previousHandler;
    private final Thread.UncaughtExceptionHandler handler = this::uncaught;
    private final FrameworkListener frameworkErrors = this::frameworkEvent;
    private final SynchronousBundleListener shutdown = this::bundleEvent;

    private volatile Pstore pstore;
    /** Prepared when enabled: the panic path only copies into it. */
    private volatile ByteBuffer panicText;
    private int dumps;

    @Activate
    public KmsgDumperComponent(KmsgDumperConfig config, BundleContext context,
                               @Reference(cardinality = ReferenceCardinality.OPTIONAL) LogReaderService log) {
        this.tail = new LogTail(config.log_bytes());
        this.compress = config.compress();
        this.context = context;
        this.tap = new LogTap(log, tail::add);
        this.previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(handler);
        context.addFrameworkListener(frameworkErrors);
        context.addBundleListener(shutdown);
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
        panicText = ByteBuffer.allocate(target.dumpCapacity(compress));
        pstore = target;
    }

    @Override
    public void disable() {
        pstore = null;
    }

    @Override
    public WriteStatus oops(String message) throws PstoreException {
        LOG.severe(message);
        return dump(DumpReason.OOPS);
    }

    @Override
    public WriteStatus panic(String message) throws PstoreException {
        try {
            tail.add(KmsgLine.format(KmsgLine.EMERG, System.currentTimeMillis(), "Kernel panic - not syncing: " + message));
        } catch (Throwable noMemory) {
            // out of memory even for the message: the panic record goes on with the log as it is
        }
        return panicDump();
    }

    private WriteStatus dump(DumpReason reason) throws PstoreException {
        Pstore target = requirePstore();
        ByteBuffer text = ByteBuffer.allocate(target.dumpCapacity(compress));
        putHeader(text, reason, nextDump());
        tail.copyTail(text);
        byte[] bytes = new byte[text.flip().remaining()];
        text.get(bytes);
        return target.dump(reason, bytes, compress);
    }

    private WriteStatus panicDump() throws PstoreException {
        Pstore target = requirePstore();
        ByteBuffer text = panicText;
        synchronized (text) {
            text.clear();
            putHeader(text, DumpReason.PANIC, nextDump());
            tail.copyTail(text);
            text.flip();
            return target.panicDump(DumpReason.PANIC, text, compress);
        }
    }

    private synchronized int nextDump() {
        return ++dumps;
    }

    private Pstore requirePstore() throws PstoreException {
        Pstore target = pstore;
        if (target == null) {
            throw new PstoreException("the active pstore backend has no kmsg zones (or there is none)");
        }
        return target;
    }

    /** Linux's first line of a dump, {@code <Reason>#<n> Part1}, written without allocating. */
    static void putHeader(ByteBuffer text, DumpReason reason, int n) {
        String label = reason.label();
        for (int i = 0; i < label.length(); i++) {
            text.put((byte) label.charAt(i));
        }
        text.put((byte) '#');
        int digits = 1;
        for (int v = n; v >= 10; v /= 10) {
            digits *= 10;
        }
        for (int v = n; digits > 0; digits /= 10) {
            text.put((byte) ('0' + v / digits % 10));
        }
        for (byte b : PART1) {
            text.put(b);
        }
    }

    private static final byte[] PART1 = " Part1\n".getBytes(StandardCharsets.US_ASCII);

    private void uncaught(Thread thread, Throwable error) {
        try {
            tail.add(KmsgLine.format(KmsgLine.ERR, System.currentTimeMillis(),
                    LogTap.text("Uncaught exception in thread \"" + thread.getName() + "\"", error)));
        } catch (Throwable noMemory) {
            // out of memory even for the message: the dump goes on with the log as it is
        }
        try {
            if (error instanceof VirtualMachineError) {
                panicDump();
            } else {
                dump(DumpReason.OOPS);
            }
        } catch (PstoreException | RuntimeException e) {
            LOG.log(Level.WARNING, "pstore could not store the dump", e);
        }
        if (previousHandler != null) {
            previousHandler.uncaughtException(thread, error);
        }
    }

    private void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.ERROR && pstore != null) {
            tail.add(KmsgLine.format(KmsgLine.ERR, System.currentTimeMillis(),
                    LogTap.text("Framework error from " + event.getBundle().getSymbolicName(), event.getThrowable())));
            try {
                dump(DumpReason.OOPS);
            } catch (PstoreException e) {
                LOG.log(Level.WARNING, "pstore could not store the dump", e);
            }
        }
    }

    private void bundleEvent(BundleEvent event) {
        // the system bundle stopping is the framework shutting down cleanly
        if (event.getType() == BundleEvent.STOPPING && event.getBundle().getBundleId() == Constants.SYSTEM_BUNDLE_ID
                && pstore != null) {
            tail.add(KmsgLine.format(KmsgLine.NOTICE, System.currentTimeMillis(), "framework stopping"));
            try {
                dump(DumpReason.SHUTDOWN);
            } catch (PstoreException e) {
                LOG.log(Level.WARNING, "pstore could not store the shutdown dump", e);
            }
        }
    }
}
