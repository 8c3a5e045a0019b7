package org.pstore.collector;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * {@code pstore-tool collect}: runs a {@link Collector} until Ctrl-C (or SIGTERM), then stops it
 * cleanly. Errors in the options or a refused connection: one line on standard error, status 2.
 */
public final class CollectCommand {

    public static final String USAGE = String.join("\n",
            "usage: pstore-tool collect --broker URI --dir DIR [--username U --password P] [--group NAME]",
            "                           [--prefix P] [--client-id ID]",
            "          every gateway's crashes (<prefix>/+/crash/+) into DIR/<gateway id>/<crash id>/,",
            "          durable before acknowledged, each once; malformed messages into DIR/rejected/.",
            "          --group NAME   share the crashes with the other collectors of the group ($share/NAME/...)",
            "          --prefix P     the uplinks' topic.prefix, default pstore",
            "          --client-id ID the broker session, default pstore-collector-<host>[-<group>]; a restarted",
            "                         collector with the same id gets what its session was sent and did not acknowledge");

    private CollectCommand() {
    }

    public static void main(String[] args) {
        if (java.util.List.of(args).contains("--help") || java.util.List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        Collector collector = configure(args, System.out, System.err);
        if (collector == null) {
            System.exit(2);
        }
        // before it connects: a SIGTERM that comes as soon as it is connected finds the hook in place
        Thread stop = new Thread(collector::close, "pstore-collector-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        if (!start(collector, System.err)) {
            Runtime.getRuntime().removeShutdownHook(stop);
            System.exit(2);
        }
        CountDownLatch forever = new CountDownLatch(1);
        try {
            forever.await(); // the shutdown hook ends the run
        } catch (InterruptedException e) {
            collector.close();
        }
    }

    /** Parses the options and starts a collector; null after printing why it cannot. */
    static Collector start(String[] args, PrintStream out, PrintStream err) {
        Collector c = configure(args, out, err);
        return c != null && start(c, err) ? c : null;
    }

    /** Connects; false after printing why it cannot (a refused login, no broker, DIR not writable). */
    private static boolean start(Collector c, PrintStream err) {
        try {
            c.start();
            return true;
        } catch (MqttException e) {
            err.println("pstore-tool collect: " + c.settings().broker() + ": " + e.getMessage() + " (reason "
                    + e.getReasonCode() + ")");
        } catch (IOException e) {
            err.println("pstore-tool collect: " + e.getMessage());
        }
        return false;
    }

    /** The collector the options describe, not started yet; null after printing why there is none. */
    private static Collector configure(String[] args, PrintStream out, PrintStream err) {
        String broker = null;
        String dir = null;
        String username = "";
        String password = "";
        String group = "";
        String prefix = "pstore";
        String clientId = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--broker" -> broker = value(args, ++i, a);
                    case "--dir" -> dir = value(args, ++i, a);
                    case "--username" -> username = value(args, ++i, a);
                    case "--password" -> password = value(args, ++i, a);
                    case "--group" -> group = value(args, ++i, a);
                    case "--prefix" -> prefix = value(args, ++i, a);
                    case "--client-id" -> clientId = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (broker == null || dir == null) {
                throw new IllegalArgumentException("--broker URI and --dir DIR are required");
            }
            if (!group.isEmpty() && (group.contains("/") || group.contains("+") || group.contains("#"))) {
                throw new IllegalArgumentException("--group takes a name without '/', '+' or '#'");
            }
            if (clientId == null) {
                clientId = "pstore-collector-" + hostName() + (group.isEmpty() ? "" : "-" + group);
            }
            return new Collector(new Collector.Settings(broker, username, password, group, prefix, clientId),
                    new CrashStore(Path.of(dir), prefix), out);
        } catch (IllegalArgumentException e) {
            err.println("pstore-tool collect: " + e.getMessage() + " (pstore-tool collect --help for usage)");
        } catch (IOException e) {
            err.println("pstore-tool collect: " + e.getMessage());
        }
        return null;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
