package org.pstore.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.pstore.api.PstoreConstants;

/**
 * The gateway: Felix with every pstore bundle, configured from a folder of {@code .cfg} files
 * (FileInstall). {@code java -jar pstore-gateway.jar} opens the Gogo shell;
 * {@code -c "COMMANDS"} runs them and exits 0 when they succeed, 1 when one fails, 3 after a panic.
 */
public final class Gateway {

    /** How long {@code -c} may take before the gateway gives up rather than hang. */
    static final long BATCH_TIMEOUT_SECONDS = 300;
    static final int EXIT_FAILED = 1;
    private static final String USAGE = "usage: java -jar pstore-gateway.jar [--etc DIR] [-c \"COMMANDS\"]\n"
            + "  --etc DIR   configuration folder (default ./etc when it exists, else the built-in default:\n"
            + "              a 1 MiB file device on ./pstore.img with kmsg, pmsg and console zones of 64K)\n"
            + "  -c COMMANDS run Gogo commands (e.g. \"pstore:ls\") non-interactively, then stop";

    private Gateway() {
    }

    public static void main(String[] args) throws Exception {
        // Jetty logs through slf4j-simple to stderr: only its warnings belong on the console
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        // not its "Jetty not started" at every start: HTTP is off until the web view's configuration comes
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.felix.http", System.getProperty("org.slf4j.simpleLogger.log.org.apache.felix.http", "error"));
        String commands = null;
        Path etc = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c" -> commands = value(args, ++i);
                case "--etc" -> etc = Path.of(value(args, ++i));
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> fail("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        if (etc == null) {
            etc = Files.isDirectory(Path.of("etc")) ? Path.of("etc") : builtInDefaults();
        } else if (!Files.isDirectory(etc)) {
            fail("no configuration folder " + etc);
        }
        System.exit(run(etc, commands));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            fail(args[i - 1] + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static void fail(String message) {
        System.err.println("pstore-gateway: " + message);
        System.exit(2);
    }

    static int run(Path etc, String commands) throws Exception {
        Path storage = Files.createTempDirectory("pstore-gateway-");
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.fileinstall.dir", etc.toAbsolutePath().toString());
        config.put("felix.fileinstall.noInitialDelay", "true"); // configurations before components
        config.put("felix.fileinstall.enableConfigSave", "false"); // never rewrite the user's files
        config.put("felix.fileinstall.poll", "1000");
        config.put("org.apache.felix.eventadmin.LogLevel", "1"); // its stop warns of interrupted delivery
        config.put("org.apache.felix.http.enable", "false"); // Jetty listens only where org.pstore.web says
        config.put(PstoreConstants.GATEWAY, "true");
        if (commands != null) {
            config.put(PstoreConstants.GATEWAY_COMMANDS, commands);
            config.put("gosh.args", "--nointeractive");
        }
        Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
        Thread stopOnSignal = new Thread(() -> stop(framework), "pstore-gateway shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try {
            framework.init();
            start(framework.getBundleContext());
            framework.start();
            FrameworkEvent stopped = framework.waitForStop(commands == null ? 0 : TimeUnit.SECONDS.toMillis(BATCH_TIMEOUT_SECONDS));
            if (stopped.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("pstore-gateway: the commands did not finish within " + BATCH_TIMEOUT_SECONDS + " s");
                stop(framework);
                return EXIT_FAILED;
            }
            return Integer.parseInt(System.getProperty(PstoreConstants.EXIT_STATUS, "0"));
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running: it stops the framework
            }
            deleteTree(storage);
        }
    }

    /** Installs and starts the bundles in the jar, in the order of {@code gateway/bundles.list}. */
    private static void start(BundleContext context) throws IOException, BundleException {
        List<Bundle> installed = new ArrayList<>();
        for (String name : resource("gateway/bundles.list").lines()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            try (InputStream in = Gateway.class.getResourceAsStream("/bundles/" + name)) {
                if (in == null) {
                    throw new IOException("the gateway jar has no bundles/" + name);
                }
                installed.add(context.installBundle("gateway:" + name, in));
            }
        }
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
        }
    }

    private static void stop(Framework framework) {
        try {
            framework.stop();
            framework.waitForStop(TimeUnit.SECONDS.toMillis(30));
        } catch (BundleException | InterruptedException | IllegalStateException e) {
            // stopping anyway
        }
    }

    /** The built-in configuration, copied out of the jar for FileInstall to read. */
    private static Path builtInDefaults() throws IOException {
        Path dir = Files.createTempDirectory("pstore-gateway-etc-");
        for (String name : List.of("org.pstore.driver.file-default.cfg", "org.pstore.registration.cfg", "org.pstore.archive.cfg")) {
            try (InputStream in = Gateway.class.getResourceAsStream("/gateway/etc/" + name)) {
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        dir.toFile().deleteOnExit();
        dir.toFile().listFiles(f -> {
            f.deleteOnExit();
            return false;
        });
        return dir;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Gateway.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IOException("the gateway jar has no " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }
}
