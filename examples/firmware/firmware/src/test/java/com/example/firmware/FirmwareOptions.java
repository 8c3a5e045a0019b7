package com.example.firmware;

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
 * Pax Exam options for the firmware as exported: its bundles, start levels and run properties,
 * read with pstore's {@link GatewayRuntime}. A class of its own: the test classes go into the
 * framework, where GatewayRuntime is not.
 */
final class FirmwareOptions {

    private FirmwareOptions() {
    }

    static Option[] of(Path firmwareJar, Path etc) throws IOException {
        GatewayRuntime firmware = GatewayRuntime.of(firmwareJar);
        List<Option> options = new ArrayList<>();
        for (GatewayRuntime.RunBundle b : firmware.bundles()) {
            options.add(bundle(b.location()).startLevel(b.startLevel()));
        }
        firmware.properties().forEach((k, v) -> options.add(frameworkProperty(k).value(v)));
        options.add(frameworkProperty("felix.fileinstall.dir").value(etc.toString()));
        options.add(frameworkProperty("gosh.args").value("--nointeractive")); // the shell must not read stdin
        options.add(frameworkStartLevel(30)); // above every run bundle's (Pax Exam's default stops at 5)
        options.add(junitBundles());
        return options.toArray(Option[]::new);
    }
}
