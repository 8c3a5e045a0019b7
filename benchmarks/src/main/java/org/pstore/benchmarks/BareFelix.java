package org.pstore.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.util.tracker.ServiceTracker;
import org.pstore.gateway.GatewayRuntime;

/**
 * The start-up baseline: bare Felix with the gateway's third-party bundles (SCR, Configuration
 * Admin, FileInstall, Metatype, Gogo, Event Admin, Log and what they need), from the same runtime
 * the gateway jar carries, with the same properties and start levels, launched the way the
 * gateway launches: the runtime copied out of the jar, a clean framework storage, started, one
 * Gogo command run through the command processor, stopped. Only our bundles are left out.
 * Run on the gateway jar's class path:
 * {@code java -cp distribution/target/pstore-gateway.jar:benchmarks/target/classes org.pstore.benchmarks.BareFelix lb}.
 */
public final class BareFelix {

    private BareFelix() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 ? args[0] : "lb";
        Path storage = Files.createTempDirectory("bare-felix-");
        try {
            Path runtimeJar = storage.resolve("runtime.jar");
            try (InputStream in = GatewayRuntime.class.getResourceAsStream(GatewayRuntime.RESOURCE)) {
                Files.copy(in, runtimeJar);
            }
            GatewayRuntime runtime = GatewayRuntime.of(runtimeJar);
            Map<String, String> config = new HashMap<>(runtime.properties());
            config.put(Constants.FRAMEWORK_STORAGE, storage.resolve("framework").toString());
            config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            config.put("felix.fileinstall.dir", Files.createDirectories(storage.resolve("etc")).toString());
            config.put("gosh.args", "--nointeractive");
            Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
            framework.init();
            BundleContext context = framework.getBundleContext();
            List<GatewayRuntime.RunBundle> thirdParty = runtime.bundles().stream()
                    .filter(b -> !b.location().contains("!/jar/pstore-")).toList();
            for (GatewayRuntime.RunBundle b : thirdParty) {
                Bundle bundle = context.installBundle(b.location());
                bundle.adapt(BundleStartLevel.class).setStartLevel(b.startLevel());
                if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    bundle.start();
                }
            }
            ServiceTracker<Object, Object> processors = new ServiceTracker<>(context,
                    context.createFilter("(objectClass=org.apache.felix.service.command.CommandProcessor)"), null);
            processors.open(true);
            framework.start();
            Object processor = processors.waitForService(TimeUnit.SECONDS.toMillis(60));
            if (processor == null) {
                throw new IllegalStateException("Gogo did not start");
            }
            // the processor's types live in a bundle: reached through reflection, as the gateway's session is
            Object session = processor.getClass().getMethod("createSession", InputStream.class, java.io.OutputStream.class,
                    java.io.OutputStream.class).invoke(processor, new ByteArrayInputStream(new byte[0]), System.out, System.err);
            Object result = session.getClass().getMethod("execute", CharSequence.class).invoke(session, command);
            if (result != null) {
                System.out.println(session.getClass().getMethod("format", Object.class, int.class)
                        .invoke(session, result, 0));
            }
            processors.close();
            framework.stop();
            framework.waitForStop(TimeUnit.SECONDS.toMillis(30));
        } finally {
            try (Stream<Path> paths = Files.walk(storage)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }
}
