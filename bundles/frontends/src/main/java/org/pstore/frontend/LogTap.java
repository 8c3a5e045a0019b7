package org.pstore.frontend;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Listens to java.util.logging and to the OSGi Log Service (whenever one comes) and hands every
 * entry on as kmsg lines. A thread's own pstore writes do not come back to it as log lines.
 */
final class LogTap {

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    private final Consumer<byte[]> sink;
    private final LogListener listener = entry -> {
        // the framework's own events (Events.Service, Events.Bundle, ...) only when they are trouble
        if (!entry.getLoggerName().startsWith("Events.") || !entry.getLogLevel().implies(LogLevel.INFO)) {
            deliver(KmsgLine.level(entry.getLogLevel()), entry.getTime(), entry.getMessage(), entry.getException());
        }
    };
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String message = r.getMessage();
            if (r.getParameters() != null && message != null) {
                try {
                    message = java.text.MessageFormat.format(message, r.getParameters());
                } catch (IllegalArgumentException notAPattern) {
                    // shown as it was logged
                }
            }
            deliver(KmsgLine.level(r.getLevel()), r.getMillis(), message, r.getThrown());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    LogTap(Consumer<byte[]> sink) {
        this.sink = sink;
        Logger.getLogger("").addHandler(handler);
    }

    /** An OSGi log to listen to as well. */
    void listen(LogReaderService reader) {
        reader.addLogListener(listener);
    }

    void stopListening(LogReaderService reader) {
        reader.removeLogListener(listener);
    }

    /** Stops listening to java.util.logging; the OSGi logs are let go by {@link #stopListening}. */
    void close() {
        Logger.getLogger("").removeHandler(handler);
    }

    private void deliver(int level, long millis, String message, Throwable thrown) {
        if (INSIDE.get()) {
            return;
        }
        INSIDE.set(true);
        try {
            sink.accept(KmsgLine.format(level, millis, text(message, thrown)));
        } catch (RuntimeException e) {
            // keeping a log line must never break the code that logged it
        } finally {
            INSIDE.set(false);
        }
    }

    static String text(String message, Throwable thrown) {
        if (thrown == null) {
            return String.valueOf(message);
        }
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        return message + "\n" + trace;
    }
}
