package org.pstore.itests;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.archive.CrashArchive;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/** The crash archive inside Felix: archiving at every activation, through hot swaps. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ArchiveRuntimeIT {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1));
    static final int DUMPS = 60;

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    PstoreRegistry registry;

    @Configuration
    public Option[] config() {
        File bundles = new File(System.getProperty("pstore.bundles.dir"));
        return options(
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.log").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.log").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.eventadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                mavenBundle("com.google.code.gson", "gson").versionAsInProject(),
                bundle(new File(bundles, "pstore-api.jar").toURI().toString()),
                bundle(new File(bundles, "pstore-zone.jar").toURI().toString()),
                bundle(new File(bundles, "pstore-driver-file.jar").toURI().toString()),
                bundle(new File(bundles, "pstore-registration.jar").toURI().toString()),
                // started by the test once it is configured: never on the working folder, never on /sys
                bundle(new File(bundles, "pstore-archive.jar").toURI().toString()).start(false),
                junitBundles());
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A partition left by an earlier run: {@code DUMPS} oopses, each text naming its device. */
    static void earlierRun(Path image, String device) throws Exception {
        try (ImageFile d = ImageFile.create(image, 1 << 20); ZoneEngine e = ZoneEngine.open(d, CONFIG)) {
            for (int i = 0; i < DUMPS; i++) {
                e.dump(DumpReason.OOPS, ("Oops#" + (i + 1) + " Part1\n<1>[    1.000000] BUG: " + device + " crash " + i + "\n")
                        .getBytes(US_ASCII), false);
            }
        }
    }

    org.osgi.service.cm.Configuration device(Path image, String name) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.createFactoryConfiguration("org.pstore.driver.file", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", image.toString());
        p.put("name", name);
        c.update(p);
        return c;
    }

    /** The dumps held by an image (once no backend holds it). */
    static List<String> dumps(Path image) throws Exception {
        List<String> out = new ArrayList<>();
        try (ImageFile d = ImageFile.readOnly(image); ZoneEngine e = ZoneEngine.open(d, CONFIG)) {
            for (PstoreRecord r : e.records()) {
                if (r.name().startsWith("dmesg-")) {
                    out.add(new String(e.read(r.name()), US_ASCII));
                }
            }
        }
        return out;
    }

    @Test
    public void aBackendSwapDuringAnArchiveRunLosesNothing() throws Exception {
        Path work = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), UUID.randomUUID().toString()));
        Path a = work.resolve("a.img");
        Path b = work.resolve("b.img");
        earlierRun(a, "a");
        earlierRun(b, "b");
        Path archiveDir = work.resolve("archive");
        org.osgi.service.cm.Configuration layout = configAdmin.getConfiguration("org.pstore.registration", "?");
        Dictionary<String, Object> l = new Hashtable<>();
        l.put("kmsg.size", "4K");
        layout.update(l);
        org.osgi.service.cm.Configuration archiveConfig = configAdmin.getConfiguration("org.pstore.archive", "?");
        Dictionary<String, Object> c = new Hashtable<>();
        c.put("directory", archiveDir.toString());
        c.put("kernel.dir", "");
        archiveConfig.update(c);

        List<String> archived = Collections.synchronizedList(new ArrayList<>());
        Hashtable<String, Object> topic = new Hashtable<>();
        topic.put(EventConstants.EVENT_TOPIC, CrashArchive.TOPIC_ARCHIVED);
        context.registerService(EventHandler.class, (Event e) -> archived.add((String) e.getProperty(CrashArchive.EVENT_ID)), topic);
        for (Bundle bundle : context.getBundles()) {
            if ("org.pstore.archive".equals(bundle.getSymbolicName())) {
                bundle.start();
            }
        }

        org.osgi.service.cm.Configuration devA = device(a, "a");
        await("a active", () -> "a".equals(registry.status().activeName()));
        org.osgi.service.cm.Configuration devB = device(b, "b");
        await("the archive of a under way", () -> !archived.isEmpty());
        devA.delete(); // b takes over in the middle of a's run
        await("b active", () -> "b".equals(registry.status().activeName()));
        int duringA = archived.size();
        CrashArchive archive = context.getService(context.getServiceReference(CrashArchive.class));
        archive.archive(); // waits for the run under way, then one more on b
        devA = device(a, "a"); // a waits as a standby, with what its cut run did not archive
        await("a standby", () -> registry.status().standbys().contains("a"));
        devB.delete();
        await("a active again", () -> "a".equals(registry.status().activeName()));
        archive.archive();
        devB = device(b, "b");
        await("b standby", () -> registry.status().standbys().contains("b"));
        devA.delete(); // b again: what was archived but not erased when b went is recognised, and erased
        await("b active again", () -> "b".equals(registry.status().activeName()));
        archive.archive();
        devB.delete();
        await("no backend", () -> registry.status().active() == null);

        assertEquals("each crash archived once", 2 * DUMPS, archived.size());
        assertEquals("a's partition emptied", List.of(), dumps(a));
        assertEquals("b's partition emptied", List.of(), dumps(b));
        Map<String, Integer> copies = new HashMap<>();
        try (Stream<Path> folders = Files.list(archiveDir)) {
            for (Path folder : folders.toList()) {
                assertTrue(folder.toString(), !folder.getFileName().toString().startsWith("."));
                try (Stream<Path> files = Files.list(folder)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().startsWith("dmesg-pstore_blk-")).toList()) {
                        copies.merge(Files.readString(f, US_ASCII), 1, Integer::sum);
                    }
                }
            }
        }
        for (String device : List.of("a", "b")) {
            for (int i = 0; i < DUMPS; i++) {
                String text = "Oops: Total " + (i + 1) + " times\nOops#" + (i + 1) + " Part1\n<1>[    1.000000] BUG: "
                        + device + " crash " + i + "\n";
                assertEquals(device + " crash " + i, Integer.valueOf(1), copies.get(text));
            }
        }
        assertEquals(2 * DUMPS, copies.size());
        System.out.printf("archive under hot swap: %d crashes of 2 devices, the backend swapped when the first run had archived %d;"
                + " archived once each: %d, lost: 0%n", 2 * DUMPS, duringA, copies.size());
    }
}
