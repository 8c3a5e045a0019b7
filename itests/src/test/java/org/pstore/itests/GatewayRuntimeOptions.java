package org.pstore.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;
import org.pstore.gateway.GatewayRuntime;

/**
 * Pax Exam options for the gateway's own runtime: every bundle and start level
 * distribution/pstore-gateway.bndrun resolved to, and its run properties. A class of its own:
 * the test classes go into the framework, where the distribution's classes are not.
 */
final class GatewayRuntimeOptions {

    private GatewayRuntimeOptions() {
    }

    /** The runtime exported as {@code runtimeJar}, with FileInstall watching {@code etc}. */
    static Option[] of(Path runtimeJar, Path etc) throws IOException {
        GatewayRuntime runtime = GatewayRuntime.of(runtimeJar);
        List<Option> options = new ArrayList<>();
        for (GatewayRuntime.RunBundle b : runtime.bundles()) {
            options.add(bundle(b.location()).startLevel(b.startLevel()));
        }
        runtime.properties().forEach((k, v) -> options.add(frameworkProperty(k).value(v)));
        options.add(frameworkProperty("felix.fileinstall.dir").value(etc.toString()));
        options.add(frameworkProperty("gosh.args").value("--nointeractive")); // the shell must not read stdin
        options.add(frameworkStartLevel(30)); // above every run bundle's (Pax Exam's default stops at 5)
        options.add(junitBundles());
        return options.toArray(Option[]::new);
    }
}
