package org.pstore.api;

import java.util.Locale;

/** Byte counts as people write them in options and configuration: {@code 65536}, {@code 64K}, {@code 1M}, {@code 2G}. */
public final class ByteSize {

    private ByteSize() {
    }

    /** Parses a byte count with an optional K, M or G suffix (binary multiples, any case). */
    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K") || t.endsWith("M") || t.endsWith("G")) {
            unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a byte count (a number with an optional K, M or G suffix)");
        }
    }
}
