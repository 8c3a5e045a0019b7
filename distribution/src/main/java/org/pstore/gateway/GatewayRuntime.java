package org.pstore.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * The gateway's runtime as bnd resolved and exported it from {@code pstore-gateway.bndrun}: bnd's
 * executable jar, of which we read {@code launcher.properties} (the run bundles under {@code jar/},
 * their start levels, the run properties) and install the bundles from it. The launcher, the Pax
 * Exam tests and the benchmarks all run this one resolution.
 */
public record GatewayRuntime(List<RunBundle> bundles, Map<String, String> properties) {

    /** Where the launcher jar carries the exported runtime. */
    public static final String RESOURCE = "/gateway/pstore-gateway.jar";

    /** A bundle to install from {@code location} (a {@code jar:} URL) and its start level. */
    public record RunBundle(String location, int startLevel) {
    }

    private static final Pattern START_LEVEL = Pattern.compile(";startlevel=(\\d+)");

    /** Reads the runtime exported as {@code exportedJar}. */
    public static GatewayRuntime of(Path exportedJar) throws IOException {
        Properties launcher = new Properties();
        try (ZipFile jar = new ZipFile(exportedJar.toFile())) {
            ZipEntry entry = jar.getEntry("launcher.properties");
            if (entry == null) {
                throw new IOException(exportedJar + " is not a bnd-exported runtime: no launcher.properties");
            }
            try (InputStream in = jar.getInputStream(entry)) {
                launcher.load(in);
            }
        }
        // launch.bundles and launch.runbundles.attrs list the same bundles in the same order
        String[] paths = launcher.getProperty("launch.bundles", "").split(",");
        String[] attributes = launcher.getProperty("launch.runbundles.attrs", "").split(",(?=[^;]+;)");
        if (paths.length != attributes.length) {
            throw new IOException(exportedJar + ": launch.bundles and launch.runbundles.attrs do not match");
        }
        String base = "jar:" + exportedJar.toUri() + "!/";
        List<RunBundle> bundles = new ArrayList<>();
        for (int i = 0; i < paths.length; i++) {
            Matcher level = START_LEVEL.matcher(attributes[i]);
            bundles.add(new RunBundle(base + paths[i], level.find() ? Integer.parseInt(level.group(1)) : 1));
        }
        Map<String, String> properties = new HashMap<>();
        launcher.stringPropertyNames().stream().filter(k -> !k.startsWith("launch."))
                .forEach(k -> properties.put(k, launcher.getProperty(k)));
        return new GatewayRuntime(List.copyOf(bundles), Map.copyOf(properties));
    }

    /**
     * Installs every bundle at its start level and marks it started: the framework starts them as
     * its start level rises to {@link Constants#FRAMEWORK_BEGINNING_STARTLEVEL} (in
     * {@link #properties()}).
     */
    public List<Bundle> install(BundleContext context) throws BundleException {
        List<Bundle> installed = new ArrayList<>();
        for (RunBundle b : bundles) {
            Bundle bundle = context.installBundle(b.location());
            bundle.adapt(BundleStartLevel.class).setStartLevel(b.startLevel());
            installed.add(bundle);
        }
        for (Bundle bundle : installed) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                bundle.start();
            }
        }
        return installed;
    }
}
