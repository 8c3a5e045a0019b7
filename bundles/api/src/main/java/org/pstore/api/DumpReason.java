package org.pstore.api;

import java.util.Locale;

/**
 * Why a kernel-message dump was taken, numbered as Linux's {@code enum kmsg_dump_reason} since 5.8.
 * The number is stored in every kmsg record; the order is the one {@code max_reason} filters by.
 */
public enum DumpReason {
    UNDEF(0, "Unknown"),
    PANIC(1, "Panic"),
    OOPS(2, "Oops"),
    EMERG(3, "Emergency"),
    SHUTDOWN(4, "Shutdown");

    private final int code;
    private final String label;

    DumpReason(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The number stored on disk. */
    public int code() {
        return code;
    }

    /** The word Linux shows for this reason, for example {@code Oops}. */
    public String label() {
        return label;
    }

    /** The word Linux shows for a stored reason number; numbers it does not know read "Unknown". */
    public static String labelOf(int code) {
        for (DumpReason r : values()) {
            if (r.code == code) {
                return r.label;
            }
        }
        return UNDEF.label;
    }

    /** The reason named on a command line: panic, oops, emerg or shutdown (any case). */
    public static DumpReason parse(String word) {
        switch (word.toLowerCase(Locale.ROOT)) {
            case "panic": return PANIC;
            case "oops": return OOPS;
            case "emerg": case "emergency": return EMERG;
            case "shutdown": return SHUTDOWN;
            default: throw new IllegalArgumentException(
                    "unknown dump reason '" + word + "' (panic, oops, emerg or shutdown)");
        }
    }
}
