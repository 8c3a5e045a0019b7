package org.pstore.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;


/**
 * The gateway: Felix with the runtime resolved from {@code pstore-gateway.bndrun}
 * ({@link GatewayRuntime}), configured from a folder of {@code .cfg} files (FileInstall).
 * {@code java -jar pstore-gateway.jar} opens the Gogo shell; {@code -c "COMMANDS"} runs them and
 * exits 0 when they succeed, 1 when one fails, 3 after a panic.
 */
public final class Gateway {

    /** How long {@code -c} may take before the gateway gives up rather than hang. */
    static final long BATCH_TIMEOUT_SECONDS = 300;
    /** How long pstore may take to start before the gateway gives up. */
    static final long SESSION_WAIT_SECONDS = 60;
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
        try {
            Path runtimeJar = storage.resolve("runtime.jar");
            try (InputStream in = Gateway.class.getResourceAsStream(GatewayRuntime.RESOURCE)) {
                if (in == null) {
                    throw new IOException("the gateway jar has no " + GatewayRuntime.RESOURCE);
                }
                Files.copy(in, runtimeJar);
            }
            GatewayRuntime runtime = GatewayRuntime.of(runtimeJar);
            Map<String, String> config = new HashMap<>(runtime.properties());
            config.put(Constants.FRAMEWORK_STORAGE, storage.resolve("framework").toString());
            config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            config.put("felix.fileinstall.dir", etc.toAbsolutePath().toString());
            if (commands != null) {
                config.put("gosh.args", "--nointeractive");
                config.put("org.pstore.web.serve", "false"); // the web view serves nothing to a run that stops
            }
            Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
            Thread stopOnSignal = new Thread(() -> stop(framework), "pstore-gateway shutdown");
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            try {
                framework.init();
                runtime.install(framework.getBundleContext());
                Session session = new Session(framework.getBundleContext());
                framework.start();
                return session.run(framework, commands);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnSignal);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook is running: it stops the framework
                }
            }
        } finally {
            deleteTree(storage);
        }
    }

    /**
     * The gateway bundle's session service, tracked from outside the framework. It shares no class
     * with the launcher, so it is used through the JDK types it is registered under: a
     * {@code Function<String, Integer>} that prints the start-up report and runs the commands, and
     * an {@code IntSupplier} of the exit status a panic leaves, read as the service goes away
     * (the framework stopping, after a panic say).
     */
    private static final class Session {
        private final ServiceTracker<Object, Object> tracker;
        private volatile int panicStatus;

        Session(BundleContext context) throws InvalidSyntaxException {
            tracker = new ServiceTracker<>(context, context.createFilter("(pstore.gateway=session)"), null) {
                @Override
                public void removedService(ServiceReference<Object> reference, Object service) {
                    panicStatus = Math.max(panicStatus, ((IntSupplier) service).getAsInt());
                    super.removedService(reference, service);
                }
            };
            tracker.open(true);
        }

        @SuppressWarnings("unchecked")
        int run(Framework framework, String commands) throws Exception {
            Object service = tracker.waitForService(TimeUnit.SECONDS.toMillis(SESSION_WAIT_SECONDS));
            if (service == null) {
                System.err.println("pstore-gateway: pstore did not start within " + SESSION_WAIT_SECONDS + " s");
                stop(framework);
                return EXIT_FAILED;
            }
            Function<String, Integer> session = (Function<String, Integer>) service;
            if (commands == null) {
                session.apply(null);
                framework.waitForStop(0);
                return panicStatus;
            }
            int status;
            try {
                status = CompletableFuture.supplyAsync(() -> session.apply(commands))
                        .get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.err.println("pstore-gateway: the commands did not finish within " + BATCH_TIMEOUT_SECONDS + " s");
                status = EXIT_FAILED;
            }
            stop(framework);
            return Math.max(status, panicStatus); // a panic (3) outranks a command that failed after it
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

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }
}
