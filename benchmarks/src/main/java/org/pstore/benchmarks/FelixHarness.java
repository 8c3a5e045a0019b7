package org.pstore.benchmarks;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.pstore.gateway.GatewayRuntime;

/**
 * Felix with the gateway's runtime (resolved from pstore-gateway.bndrun, carried in the distribution jar), driven from outside the framework.
 * The services' types live in the bundles' class spaces, so they are called by reflection on their
 * interfaces.
 */
final class FelixHarness implements Closeable {

    private final Framework framework;
    private final BundleContext context;
    private final Object configAdmin;
    private final Class<?> configAdminType;
    private final Class<?> configurationType;
    private final Object registry;
    private final Method status;

    FelixHarness(Path dir, Map<String, String> registration) throws Exception {
        Path runtimeJar = dir.resolve("runtime.jar");
        try (InputStream in = FelixHarness.class.getResourceAsStream(GatewayRuntime.RESOURCE)) {
            Files.copy(in, runtimeJar, StandardCopyOption.REPLACE_EXISTING);
        }
        GatewayRuntime runtime = GatewayRuntime.of(runtimeJar);
        Map<String, String> config = new HashMap<>(runtime.properties());
        config.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.fileinstall.dir", Files.createDirectories(dir.resolve("etc")).toString());
        config.put("gosh.args", "--nointeractive");
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
        framework.init();
        context = framework.getBundleContext();
        runtime.install(context);
        framework.start();
        ServiceReference<?> cm = await("org.osgi.service.cm.ConfigurationAdmin");
        configAdmin = context.getService(cm);
        configAdminType = cm.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
        configurationType = cm.getBundle().loadClass("org.osgi.service.cm.Configuration");
        Object layout = configAdminType.getMethod("getConfiguration", String.class, String.class)
                .invoke(configAdmin, "org.pstore.registration", "?");
        configurationType.getMethod("update", java.util.Dictionary.class).invoke(layout, new Hashtable<>(registration));
        ServiceReference<?> reg = await("org.pstore.api.PstoreRegistry");
        registry = context.getService(reg);
        status = reg.getBundle().loadClass("org.pstore.api.PstoreRegistry").getMethod("status");
    }

    private ServiceReference<?> await(String type) throws Exception {
        for (int i = 0; i < 1000; i++) {
            // all references: the harness's own class space does not hold the service's type
            ServiceReference<?>[] refs = context.getAllServiceReferences(type, null);
            if (refs != null) {
                return refs[0];
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no " + type + " in Felix");
    }

    /** Creates a file device configuration; returns it, for {@link #delete}. */
    Object fileDevice(Path path, String size, String name) throws Exception {
        Object c = configAdminType.getMethod("createFactoryConfiguration", String.class, String.class)
                .invoke(configAdmin, "org.pstore.driver.file", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("path", path.toString());
        p.put("size", size);
        p.put("name", name);
        configurationType.getMethod("update", java.util.Dictionary.class).invoke(c, p);
        return c;
    }

    void delete(Object configuration) throws Exception {
        configurationType.getMethod("delete").invoke(configuration);
    }

    /** The active backend's name, or null. */
    String active() throws Exception {
        Object s = status.invoke(registry);
        return (String) s.getClass().getMethod("activeName").invoke(s);
    }

    @SuppressWarnings("unchecked")
    List<String> standbys() throws Exception {
        Object s = status.invoke(registry);
        return (List<String>) s.getClass().getMethod("standbys").invoke(s);
    }

    @Override
    public void close() throws IOException {
        try {
            framework.stop();
            framework.waitForStop(30_000);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
