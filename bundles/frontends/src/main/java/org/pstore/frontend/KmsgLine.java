package org.pstore.frontend;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.logging.Level;

import org.osgi.service.log.LogLevel;

/**
 * A log line as Linux's kmsg shows it: {@code <level>[seconds.micros] text}, the time counted from
 * the JVM's start as the kernel counts from boot, the level a syslog priority.
 */
final class KmsgLine {

    static final int EMERG = 0;
    static final int ERR = 3;
    static final int WARNING = 4;
    static final int NOTICE = 5;
    static final int INFO = 6;
    static final int DEBUG = 7;

    private static final long JVM_START_MILLIS = ManagementFactory.getRuntimeMXBean().getStartTime();

    private KmsgLine() {
    }

    /** Formats one line (or several, for a multi-line text), each ending in a newline. */
    static byte[] format(int level, long epochMillis, String text) {
        long micros = Math.max(0, epochMillis - JVM_START_MILLIS) * 1000;
        String prefix = String.format(Locale.ROOT, "<%d>[%5d.%06d] ", level, micros / 1_000_000, micros % 1_000_000);
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty() || out.length() == 0) {
                out.append(prefix).append(line).append('\n');
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static int level(LogLevel level) {
        return switch (level) {
            case AUDIT -> NOTICE;
            case ERROR -> ERR;
            case WARN -> WARNING;
            case INFO -> INFO;
            case DEBUG, TRACE -> DEBUG;
        };
    }

    static int level(Level level) {
        int v = level.intValue();
        return v >= Level.SEVERE.intValue() ? ERR : v >= Level.WARNING.intValue() ? WARNING
                : v >= Level.INFO.intValue() ? INFO : DEBUG;
    }
}
