package org.pstore.shell;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreConstants;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.archive.CrashArchive;

/**
 * What the gateway does once pstore is up (only where the launcher set {@code pstore.gateway}):
 * prints the previous run's records, and runs the commands given with {@code -c}, then stops the
 * framework with an exit status for the launcher.
 */
@Component(immediate = true)
public class GatewaySession {

    static final long BACKEND_WAIT_MILLIS = 5_000;

    private final Thread worker;
    private final LogReaderService log;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile CrashArchive archive;
    /** Warnings and errors (a driver configuration that fails, say) go to the console. */
    private final LogListener problems = entry -> {
        if (!entry.getLogLevel().implies(LogLevel.INFO)) {
            System.err.println("pstore-gateway: " + entry.getLogLevel() + " " + entry.getBundle().getSymbolicName()
                    + ": " + entry.getMessage() + (entry.getException() == null ? "" : ": " + rootMessage(entry.getException())));
        }
    };

    @Activate
    public GatewaySession(BundleContext context, @Reference Pstore pstore, @Reference PstoreRegistry registry,
                          @Reference CommandProcessor processor,
                          @Reference(cardinality = ReferenceCardinality.OPTIONAL) LogReaderService log) {
        boolean gateway = Boolean.parseBoolean(context.getProperty(PstoreConstants.GATEWAY));
        String commands = context.getProperty(PstoreConstants.GATEWAY_COMMANDS);
        this.log = gateway ? log : null;
        if (this.log != null) {
            // what was logged before this component started too: SCR may have failed a driver already
            List<LogEntry> earlier = Collections.list(this.log.getLog());
            Collections.reverse(earlier);
            earlier.forEach(problems::logged);
            this.log.addLogListener(problems);
        }
        this.worker = new Thread(() -> {
            if (!gateway) {
                return;
            }
            awaitBackend(registry);
            awaitArchive(context);
            CrashArchive crashes = archive;
            if (crashes != null) {
                ArchiveCommands.startupReport(crashes, System.out);
            }
            report(pstore, System.out);
            if (commands != null) {
                int status = run(processor, commands);
                System.getProperties().putIfAbsent(PstoreConstants.EXIT_STATUS, String.valueOf(status));
                stopFramework(context);
            }
        }, "pstore gateway session");
        worker.setDaemon(true);
        worker.start();
    }

    @Deactivate
    void deactivate() {
        worker.interrupt();
        if (log != null) {
            log.removeLogListener(problems);
        }
    }

    static String rootMessage(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof InvocationTargetException)) {
            cause = cause.getCause(); // reflection and Gogo wrap what was thrown
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    private static void awaitBackend(PstoreRegistry registry) {
        long deadline = System.currentTimeMillis() + BACKEND_WAIT_MILLIS;
        while (registry.status().active() == null && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits for the archive service while its bundle is installed. */
    private void awaitArchive(BundleContext context) {
        long deadline = System.currentTimeMillis() + BACKEND_WAIT_MILLIS;
        while (archive == null && System.currentTimeMillis() < deadline && Arrays.stream(context.getBundles())
                .anyMatch(b -> "org.pstore.archive".equals(b.getSymbolicName()))) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void report(Pstore pstore, PrintStream out) {
        try {
            List<PstoreRecord> records = pstore.records();
            out.println("pstore: " + records.size() + " record(s) from before this start"
                    + (records.isEmpty() ? "" : ":\n" + PstoreCommands.format(records)));
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

    private static void stopFramework(BundleContext context) {
        try {
            context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).stop();
        } catch (BundleException | IllegalStateException e) {
            // already stopping
        }
    }
}
