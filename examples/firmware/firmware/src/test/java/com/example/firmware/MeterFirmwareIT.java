package com.example.firmware;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;
import org.pstore.api.BackendStatus;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;

/**
 * The firmware as built (target/firmware.jar's bundles, start levels and properties, our etc/):
 * the meter reader keeps its readings, fails on a reading it cannot parse, and after a restart
 * of the firmware its pmsg lines and the Oops record are there.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MeterFirmwareIT {

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return FirmwareOptions.of(Path.of(System.getProperty("firmware.jar")), Path.of(System.getProperty("firmware.etc")));
    }

    @Test
    public void theReadingsAndTheFatalErrorAreThereAfterARestart() throws Exception {
        // this run's own figures, so that records of an earlier test run cannot pass for them
        String token = UUID.randomUUID().toString().substring(0, 8);
        double first = 1000 + Math.abs(token.hashCode() % 1000);
        Path meter = Path.of("meter.txt");
        int oopsBefore = oopsCount();

        Files.writeString(meter, first + "\n" + (first + 1.5) + "\nE#R!-" + token + "\n", UTF_8);
        await("the meter reader's Oops", () -> oopsCount() > oopsBefore);
        Files.delete(meter); // the faulty meter is disconnected before the restart

        restartFirmware();

        Pstore pstore = service(Pstore.class);
        await("a backend after the restart", () -> service(PstoreRegistry.class).status().active() != null);
        List<String> pmsg = new ArrayList<>();
        List<String> dmesg = new ArrayList<>();
        for (PstoreRecord r : pstore.records()) {
            String text = new String(pstore.read(r.name()), UTF_8);
            (r.name().startsWith("pmsg-") ? pmsg : r.name().startsWith("dmesg-") ? dmesg : new ArrayList<String>()).add(text);
        }
        assertTrue(pmsg.toString(), pmsg.stream().anyMatch(t -> t.contains(
                "meter-reader: " + first + " kWh\nmeter-reader: " + (first + 1.5) + " kWh\n")));
        assertTrue(dmesg.toString(), dmesg.stream().anyMatch(t -> t.startsWith("Oops: Total ")
                && t.contains("\nOops#1 Part1\n") && t.contains("meter-reader: fatal: the meter sent 'E#R!-" + token + "'")));
    }

    /** Stops every bundle of the firmware and starts them again, as a reboot does. */
    void restartFirmware() throws Exception {
        String firmware = "jar:" + Path.of(System.getProperty("firmware.jar")).toUri();
        List<Bundle> bundles = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(firmware)) {
                bundles.add(b);
            }
        }
        Collections.reverse(bundles);
        for (Bundle b : bundles) {
            b.stop();
        }
        Collections.reverse(bundles);
        for (Bundle b : bundles) {
            b.start();
        }
    }

    /** The active backend's persistent oops counter, 0 while none is active. */
    int oopsCount() throws InterruptedException {
        BackendStatus.Active active = service(PstoreRegistry.class).status().active();
        return active == null ? 0 : active.oopsCount();
    }

    <T> T service(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            T service = tracker.waitForService(TimeUnit.SECONDS.toMillis(15));
            if (service == null) {
                fail("no " + type.getName());
            }
            return service;
        } finally {
            tracker.close();
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(String what, Condition condition) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.holds()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
