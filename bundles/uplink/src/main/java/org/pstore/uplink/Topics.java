package org.pstore.uplink;

/** The topics of the fleet, Kura-style: {@code <prefix>/<gateway>/crash|cmd|reply/<name>}. */
public final class Topics {

    public static final String CRASH = "crash";
    public static final String CMD = "cmd";
    public static final String REPLY = "reply";

    private Topics() {
    }

    public static String crash(String prefix, String gateway, String crashId) {
        return prefix + "/" + gateway + "/" + CRASH + "/" + crashId;
    }

    /** What a collector subscribes to: every gateway's crashes. */
    public static String allCrashes(String prefix) {
        return prefix + "/+/" + CRASH + "/+";
    }

    public static String commands(String prefix, String gateway) {
        return prefix + "/" + gateway + "/" + CMD + "/+";
    }

    public static String reply(String prefix, String gateway, String requestId) {
        return prefix + "/" + gateway + "/" + REPLY + "/" + requestId;
    }
}
