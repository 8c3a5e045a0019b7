package org.pstore.api;

/** Names shared between the bundles and the gateway that runs them. */
public final class PstoreConstants {

    /**
     * Framework property: set by the gateway launcher, it makes the shell print the previous run's
     * records at start-up and, when {@link #GATEWAY_COMMANDS} is set too, run those commands.
     */
    public static final String GATEWAY = "pstore.gateway";

    /** Framework property: Gogo commands to run non-interactively before the gateway stops. */
    public static final String GATEWAY_COMMANDS = "pstore.gateway.commands";

    /**
     * System property the shell sets before it stops the framework, read by the gateway launcher
     * as its exit status: 0 success, 1 a command failed, {@link #EXIT_PANIC} after a panic.
     */
    public static final String EXIT_STATUS = "pstore.gateway.exit.status";

    public static final int EXIT_PANIC = 3;

    private PstoreConstants() {
    }
}
