package org.pstore.uplink;

import java.util.regex.Pattern;

/**
 * What may name a gateway, a crash, a file of a crash or a request: one MQTT topic level and one
 * file name at once, so that neither a wildcard nor a path ever comes in through a name.
 */
public final class Names {

    /** Letters, digits and {@code . _ : @ -}, not starting with a dot (no "..", no hidden or temporary names). */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_:@-][A-Za-z0-9._:@-]{0,127}");

    private Names() {
    }

    public static boolean safe(String name) {
        return name != null && SAFE.matcher(name).matches();
    }

    /** The name itself, or an {@link IllegalArgumentException} saying what is wrong with it. */
    public static String check(String what, String name) {
        if (!safe(name)) {
            throw new IllegalArgumentException(what + " '" + name + "' is not a safe name (1 to 128 letters, digits,"
                    + " '.', '_', ':', '@', '-'; not starting with '.')");
        }
        return name;
    }
}
