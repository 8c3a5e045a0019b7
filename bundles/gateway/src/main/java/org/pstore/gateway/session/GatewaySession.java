package org.pstore.gateway.session;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;
import org.pstore.api.BackendStatus;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.archive.ArchiveRun;
import org.pstore.api.archive.Crash;
import org.pstore.api.archive.CrashArchive;

/**
 * The gateway launcher's hands inside the framework. The launcher sits outside the framework and
 * shares no class with it, so this component offers itself under JDK types only: as a
 * {@code Function<String, Integer>} that prints the previous run's records and runs the commands
 * given with {@code -c} (0 when they succeed, 1 when one fails; {@code null}: the report only),
 * and as an {@code IntSupplier} of the exit status a panic leaves ({@value #EXIT_PANIC} once a
 * Panic record was written in this run, else 0). It starts no thread: the launcher calls it.
 * Warnings and errors logged in the framework (a driver configuration that fails, say) go to the
 * console.
 */
@Component(service = {Function.class, IntSupplier.class, EventHandler.class},
        property = {GatewaySession.SERVICE_PROPERTY, EventConstants.EVENT_TOPIC + "=" + GatewaySession.SWAP_TOPIC})
public class GatewaySession implements Function<String, Integer>, IntSupplier, EventHandler {

    /** The service property the launcher finds this component by. */
    static final String SERVICE_PROPERTY = "pstore.gateway=session";
    /** Posted by the registration when a backend becomes active. */
    static final String SWAP_TOPIC = "org/pstore/backend/SWAPPED";
    static final int EXIT_PANIC = 3;
    static final long WAIT_SECONDS = 5;

    private final BundleContext context;
    private final Pstore pstore;
    private final PstoreRegistry registry;
    private final CommandProcessor processor;
    private final CountDownLatch backendActive = new CountDownLatch(1);
    /** Panic records counted on the active backend when the report was printed; -1 before. */
    private volatile int panicsBefore = -1;

    private final LogListener problems = entry -> {
        if (!entry.getLogLevel().implies(LogLevel.INFO)) {
            System.err.println("pstore-gateway: " + entry.getLogLevel() + " " + entry.getBundle().getSymbolicName()
                    + ": " + entry.getMessage() + (entry.getException() == null ? "" : ": " + rootMessage(entry.getException())));
        }
    };

    @Activate
    public GatewaySession(BundleContext context, @Reference Pstore pstore, @Reference PstoreRegistry registry,
                          @Reference CommandProcessor processor) {
        this.context = context;
        this.pstore = pstore;
        this.registry = registry;
        this.processor = processor;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindLog(LogReaderService log) {
        // what was logged before the log reader came: SCR may have failed a driver already
        List<LogEntry> earlier = Collections.list(log.getLog());
        Collections.reverse(earlier);
        earlier.forEach(problems::logged);
        log.addLogListener(problems);
    }

    void unbindLog(LogReaderService log) {
        log.removeLogListener(problems);
    }

    @Override
    public void handleEvent(Event event) {
        backendActive.countDown();
    }

    /**
     * Prints the previous run's records once a backend is active, then runs {@code commands} once
     * Gogo has the {@code pstore:} ones (the shell bundle may start after this one).
     */
    @Override
    public Integer apply(String commands) {
        try {
            if (registry.status().active() == null) {
                backendActive.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            BackendStatus.Active active = registry.status().active();
            panicsBefore = active == null ? 0 : active.panicCount();
            CrashArchive archive = awaitArchive();
            if (archive != null) {
                archiveReport(archive, System.out);
            }
            report(pstore, System.out);
            if (commands == null) {
                return 0;
            }
            ServiceTracker<Object, Object> pstoreCommands = new ServiceTracker<>(context,
                    context.createFilter("(osgi.command.scope=pstore)"), null);
            pstoreCommands.open();
            try {
                pstoreCommands.waitForService(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            } finally {
                pstoreCommands.close();
            }
            return run(processor, commands);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int getAsInt() {
        BackendStatus.Active active = registry.status().active();
        return panicsBefore >= 0 && active != null && active.panicCount() > panicsBefore ? EXIT_PANIC : 0;
    }

    /** The crash archive, where its bundle is part of this runtime (it may start after this one). */
    private CrashArchive awaitArchive() throws InterruptedException {
        if (Arrays.stream(context.getBundles()).noneMatch(b -> "org.pstore.archive".equals(b.getSymbolicName()))) {
            return null;
        }
        ServiceTracker<CrashArchive, CrashArchive> tracker = new ServiceTracker<>(context, CrashArchive.class, null);
        tracker.open();
        try {
            return tracker.waitForService(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        } finally {
            tracker.close();
        }
    }

    /**
     * The crashes archived since the process started, and where. The archive's own run at the
     * backend's activation may still be under way: this run waits for it and catches what it missed.
     */
    static void archiveReport(CrashArchive archive, PrintStream out) {
        Instant since = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        try {
            ArchiveRun run = archive.archive();
            List<Crash> now = archive.crashes().stream().filter(c -> !c.archived().isBefore(since)).toList();
            StringBuilder text = new StringBuilder("pstore: " + now.size() + " crash(es) archived at this start into "
                    + archive.directory());
            for (Crash c : now) {
                text.append(now.get(0) == c ? ":\n" : "\n").append(c.id()).append('\t').append(c.summary());
            }
            run.skipped().forEach(s -> text.append("\npstore: not archived: ").append(s));
            out.println(text);
        } catch (IOException e) {
            out.println("pstore: " + e.getMessage());
        }
        out.flush();
    }

    static String rootMessage(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof InvocationTargetException)) {
            cause = cause.getCause(); // reflection and Gogo wrap what was thrown
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    static void report(Pstore pstore, PrintStream out) {
        try {
            List<PstoreRecord> records = pstore.records();
            StringBuilder text = new StringBuilder("pstore: " + records.size() + " record(s) from before this start");
            for (PstoreRecord r : records) {
                text.append(records.get(0) == r ? ":\n" : "\n").append(r.name()).append('\t').append(r.size()).append('\t')
                        .append(DateTimeFormatter.ISO_INSTANT.format(r.time().truncatedTo(ChronoUnit.SECONDS)));
            }
            out.println(text);
        } catch (PstoreException e) {
            out.println("pstore: " + e.getMessage());
        }
        out.flush();
    }

    /** Runs the commands; 0 when they succeed, 1 when one fails. */
    static int run(CommandProcessor processor, String commands) {
        // the process's own streams: Gogo replaces System.out and System.err by streams that
        // follow the session, which would then write into itself
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        try (CommandSession session = processor.createSession(new FileInputStream(FileDescriptor.in), out, err)) {
            for (String statement : statements(commands)) {
                Object result = session.execute(statement);
                if (result != null) {
                    out.println(session.format(result, Converter.INSPECT));
                }
            }
            return 0;
        } catch (Exception e) {
            err.println("pstore-gateway: " + rootMessage(e));
            return 1;
        }
    }

    /**
     * Splits a script at the top-level {@code ;} and newlines, so that every command's result is
     * printed, as the interactive shell prints each line's.
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        int depth = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (quote != 0) {
                if (c == '\\' && i + 1 < script.length()) {
                    current.append(c);
                    c = script.charAt(++i);
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                depth--;
            } else if ((c == ';' || c == '\n') && depth == 0) {
                addStatement(out, current);
                continue;
            }
            current.append(c);
        }
        addStatement(out, current);
        return out;
    }

    private static void addStatement(List<String> out, StringBuilder statement) {
        if (!statement.toString().isBlank()) {
            out.add(statement.toString().trim());
        }
        statement.setLength(0);
    }
}
