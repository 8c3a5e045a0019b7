package org.pstore.itests;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.pstore.api.BackendBusyException;
import org.pstore.api.BackendStatus;
import org.pstore.api.DumpReason;
import org.pstore.api.KmsgDumper;
import org.pstore.api.Pmsg;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/** The OSGi runtime inside Felix: registration, hot swap, configuration, frontends, the panic path. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class PstoreRuntimeIT {

    static final String DRIVER_BSN = "org.pstore.driver.file";
    static final String REGISTRATION_BSN = "org.pstore.registration";

    @Inject
    BundleContext context;

    @Inject
    org.osgi.service.cm.ConfigurationAdmin configAdmin;

    @Inject
    PstoreRegistry registry;

    @Inject
    Pstore pstore;

    Path work;

    /**
     * The gateway's own runtime: each test configures what it needs. The archive only copies (the
     * tests look at the partition) into a folder of the tests', never from /sys/fs/pstore.
     */
    @Configuration
    public Option[] config() throws Exception {
        Path etc = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), "etc"));
        Files.writeString(etc.resolve("org.pstore.archive.cfg"),
                "directory=" + etc.resolveSibling("archive") + "\nunlink=false\nkernel.dir=\n");
        return GatewayRuntimeOptions.of(Path.of(System.getProperty("pstore.gateway.runtime")), etc);
    }

    @Before
    public void workFolder() throws Exception {
        work = Files.createDirectories(Path.of(System.getProperty("pstore.work.dir"), UUID.randomUUID().toString()));
    }

    // ---- helpers

    org.osgi.service.cm.Configuration device(String name) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.createFactoryConfiguration("org.pstore.driver.file", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", image(name).toString());
        p.put("size", "1M");
        p.put("name", name);
        c.update(p);
        return c;
    }

    Path image(String name) {
        return work.resolve(name + ".img");
    }

    void layout(String kmsg, String pmsg, String console) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("org.pstore.registration", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("kmsg.size", kmsg);
        p.put("pmsg.size", pmsg);
        p.put("console.size", console);
        c.update(p);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    void awaitActive(String name) throws InterruptedException {
        await(name + " active", () -> name.equals(registry.status().activeName()));
    }

    /** A figure of the active backend; 0 while none is active. */
    int active(java.util.function.ToIntFunction<BackendStatus.Active> figure) {
        BackendStatus.Active a = registry.status().active();
        return a == null ? 0 : figure.applyAsInt(a);
    }

    Bundle installed(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    /**
     * The records of an image, read with a fresh engine once the runtime has let go of it; every
     * zone header must be consistent (no damaged zone, nothing the engine had to report).
     */
    static List<String> texts(Path image, ZoneConfig config) throws Exception {
        List<String> texts = new ArrayList<>();
        try (ImageFile d = ImageFile.readOnly(image); ZoneEngine e = ZoneEngine.open(d, config)) {
            for (PstoreRecord r : e.records()) {
                texts.add(r.name() + "=" + new String(e.read(r.name()), US_ASCII));
            }
            List<String> states = new ArrayList<>();
            e.describeZones(z -> states.add(z.state().label()));
            assertTrue(states.toString(), Set.of("record", "empty", "erased").containsAll(states));
            assertTrue(e.problems().toString(), e.problems().isEmpty());
        }
        return texts;
    }

    // ---- the tests

    @Test
    public void anExplicitRegistrationWhileOneIsActiveIsBusy() throws Exception {
        device("first");
        awaitActive("first");
        try (ImageFile other = ImageFile.create(image("other"), 1 << 20)) {
            registry.register(other);
            fail("a second backend was accepted");
        } catch (BackendBusyException e) {
            assertEquals("first", e.active());
            assertTrue(e.getMessage(), e.getMessage().contains("busy"));
        }
        assertEquals("first", registry.status().activeName());
    }

    @Test
    public void theStandbyTakesOverAndTheSwapIsAnEvent() throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        Hashtable<String, Object> topic = new Hashtable<>();
        topic.put(EventConstants.EVENT_TOPIC, "org/pstore/backend/SWAPPED");
        context.registerService(EventHandler.class, (Event e) -> events.add(e.getProperty("previous") + "->" + e.getProperty("active")), topic);

        org.osgi.service.cm.Configuration a = device("a");
        awaitActive("a");
        device("b");
        await("b standby", () -> registry.status().standbys().contains("b"));
        assertEquals(WriteStatus.STORED, pstore.dump(DumpReason.OOPS, "on a".getBytes(US_ASCII), false));
        a.delete();
        awaitActive("b");
        assertEquals(WriteStatus.STORED, pstore.dump(DumpReason.OOPS, "on b".getBytes(US_ASCII), false));
        assertEquals(1, registry.status().swaps());
        await("the swap event", () -> events.contains("a->b"));
        assertEquals(List.of("dmesg-pstore_blk-0=Oops: Total 1 times\non a"),
                texts(image("a"), ZoneConfig.of(new ZoneLayout(65536, 65536, 65536, 0, 1))));
    }

    @Test
    public void hotSwapUnderAStreamOfWritesLosesNothing() throws Exception {
        layout("4K", "64K", "64K");
        device("a");
        awaitActive("a");
        await("the 4K layout", () -> active(BackendStatus.Active::kmsgZones) == (1048576 - 131072) / 4096);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; writing.get() && i < 200; i++) {
                    WriteStatus d = pstore.dump(DumpReason.OOPS, ("dump " + i).getBytes(US_ASCII), false);
                    WriteStatus p = pstore.append(RecordType.PMSG, ("line " + i + "\n").getBytes(US_ASCII));
                    assertTrue(d + " " + p, d != WriteStatus.FILTERED && p != WriteStatus.FILTERED);
                    written.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        writer.start();
        Bundle driver = installed(DRIVER_BSN);
        await("some writes", () -> written.get() > 20);
        driver.stop();
        await("writes while no backend", () -> registry.status().bufferedWrites() > 0 || written.get() > 150);
        driver.start();
        awaitActive("a");
        await("more writes", () -> written.get() > 80);
        driver.update();
        awaitActive("a");
        await("and more", () -> written.get() > 120);
        driver.stop();
        driver.start();
        awaitActive("a");
        writing.set(false);
        writer.join(30_000);
        assertTrue(failures.toString(), failures.isEmpty());
        int n = written.get();
        assertTrue("swaps " + registry.status().swaps(), registry.status().swaps() >= 3);
        driver.stop(); // flushed and closed: the image is complete

        List<String> texts = texts(image("a"), ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1)));
        Set<String> dumps = new HashSet<>();
        StringBuilder pmsg = new StringBuilder();
        for (String t : texts) {
            if (t.startsWith("dmesg-")) {
                dumps.add(t.substring(t.indexOf("\n") + 1));
            } else if (t.startsWith("pmsg-")) {
                pmsg.append(t.substring(t.indexOf('=') + 1));
            }
        }
        StringBuilder expectedPmsg = new StringBuilder();
        for (int i = 0; i < n; i++) {
            assertTrue("dump " + i + " of " + n + " is missing", dumps.contains("dump " + i));
            expectedPmsg.append("line ").append(i).append('\n');
        }
        assertEquals(n, dumps.size());
        assertEquals(expectedPmsg.toString(), pmsg.toString());
    }

    @Test
    public void anMmcCardTakesOverFromAFileAndBackWhenItsBundleIsUninstalled() throws Exception {
        org.osgi.service.cm.Configuration file = device("file");
        awaitActive("file");
        org.osgi.service.cm.Configuration mmc = configAdmin.createFactoryConfiguration("org.pstore.driver.mmc", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", work.resolve("card.img").toString());
        p.put("name", "mmc0");
        p.put("card.size", "2M");
        p.put("partition.offset", "1M");
        mmc.update(p);
        await("mmc0 standby", () -> registry.status().standbys().contains("mmc0"));
        pstore.dump(DumpReason.OOPS, "on the file".getBytes(US_ASCII), false);
        installed(DRIVER_BSN).stop();
        awaitActive("mmc0");
        pstore.dump(DumpReason.OOPS, "on the card".getBytes(US_ASCII), false);
        assertTrue(new String(pstore.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("on the card"));
        installed(DRIVER_BSN).start();
        installed("org.pstore.driver.mmc").uninstall();
        awaitActive("file");
        assertTrue(new String(pstore.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("on the file"));
        assertEquals(2, registry.status().swaps());
    }

    @Test
    public void hotSwapsUnderConcurrentWritersAndReadersLoseNothing() throws Exception {
        layout("4K", "64K", "64K");
        org.osgi.service.cm.Configuration a = device("a");
        awaitActive("a");
        device("b");
        await("b standby", () -> registry.status().standbys().contains("b"));
        await("the 4K layout", () -> active(BackendStatus.Active::kmsgZones) == (1048576 - 131072) / 4096);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger operations = new AtomicInteger();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Set<String> dumps = Collections.synchronizedSet(new HashSet<>());
        Set<String> lines = Collections.synchronizedSet(new HashSet<>());
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int id = w;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; writing.get() && i < 60; i++) {
                        String dump = "dump " + id + "/" + i;
                        String line = (id == 0 ? "pmsg " : "console ") + id + "/" + i + "\n";
                        assertTrue(pstore.dump(DumpReason.OOPS, dump.getBytes(US_ASCII), false) != WriteStatus.FILTERED);
                        dumps.add(dump);
                        pstore.append(id == 0 ? RecordType.PMSG : RecordType.CONSOLE, line.getBytes(US_ASCII));
                        lines.add(line);
                        operations.addAndGet(2);
                        Thread.sleep(3);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        threads.add(new Thread(() -> {
            while (writing.get()) {
                try {
                    for (PstoreRecord r : pstore.records()) {
                        pstore.read(r.name());
                        operations.incrementAndGet();
                    }
                } catch (PstoreException swapping) {
                    // no backend for a moment
                }
            }
        }));
        threads.forEach(Thread::start);
        Bundle driver = installed(DRIVER_BSN);
        await("some writes", () -> operations.get() > 100);
        a.delete();
        awaitActive("b");
        device("a");
        driver.stop();
        driver.start();
        await("a or b active", () -> registry.status().active() != null);
        driver.update();
        await("a or b active again", () -> registry.status().active() != null);
        for (Thread t : threads.subList(0, 3)) {
            t.join(60_000);
        }
        writing.set(false);
        threads.get(3).join(10_000);
        assertTrue(failures.toString(), failures.isEmpty());
        await("buffer replayed", () -> registry.status().bufferedWrites() == 0 && registry.status().active() != null);
        driver.stop();

        ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1));
        Set<String> foundDumps = new HashSet<>();
        List<String> foundLines = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            for (String t : texts(image(name), config)) {
                String body = t.substring(t.indexOf('=') + 1);
                if (t.startsWith("dmesg-")) {
                    foundDumps.add(body.substring(body.indexOf('\n') + 1));
                } else {
                    // the test's own lines; the console frontend adds the runtime's log lines
                    body.lines().filter(l -> l.matches("(pmsg|console) \\d/\\d+")).forEach(l -> foundLines.add(l + "\n"));
                }
            }
        }
        assertEquals(dumps, foundDumps);
        assertEquals("every line once", lines.size(), foundLines.size());
        assertEquals(lines, new HashSet<>(foundLines));
        System.out.println("hot swap under load: " + operations.get() + " operations by 4 threads over "
                + registry.status().swaps() + " swaps; records lost or invented: 0");
    }

    @Test
    public void aNandChipIsAHotSwappableDevice() throws Exception {
        layout("64K", "0", "0");
        org.osgi.service.cm.Configuration file = device("file");
        awaitActive("file");
        org.osgi.service.cm.Configuration nand = configAdmin.createFactoryConfiguration("org.pstore.driver.nand", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", work.resolve("chip.img").toString());
        p.put("name", "nand0");
        p.put("kmsg.size", "64K");
        p.put("blocks", "16");
        nand.update(p);
        await("nand0 standby", () -> registry.status().standbys().contains("nand0"));
        file.delete();
        awaitActive("nand0");
        pstore.dump(DumpReason.OOPS, "on the flash".getBytes(US_ASCII), false);
        installed("org.pstore.driver.nand").stop();
        installed("org.pstore.driver.nand").start();
        awaitActive("nand0");
        assertTrue(new String(pstore.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("on the flash"));
    }

    @Test
    public void aConfigurationChangeReopensTheBackend() throws Exception {
        device("a");
        awaitActive("a");
        pstore.dump(DumpReason.OOPS, "kept".getBytes(US_ASCII), false);
        assertTrue(pstore.hasZones(RecordType.CONSOLE));
        layout("64K", "64K", "0");
        await("the new layout", () -> registry.status().layout().consoleSize() == 0);
        assertFalse(pstore.hasZones(RecordType.CONSOLE));
        assertEquals("Oops: Total 1 times\nkept", new String(pstore.read("dmesg-pstore_blk-1"), US_ASCII));
    }

    @Test
    public void recordsSurviveARestartOfTheBundles() throws Exception {
        device("a");
        awaitActive("a");
        pstore.dump(DumpReason.OOPS, "survivor".getBytes(US_ASCII), false);
        Bundle registration = installed(REGISTRATION_BSN);
        Bundle driver = installed(DRIVER_BSN);
        registration.stop();
        driver.stop();
        driver.start();
        registration.start();
        PstoreRegistry fresh = context.getService(context.getServiceReference(PstoreRegistry.class));
        await("a active again", () -> "a".equals(fresh.status().activeName()));
        Pstore again = context.getService(context.getServiceReference(Pstore.class));
        assertTrue(new String(again.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("survivor"));
    }

    @Test
    public void frontendsFollowTheBackendsZones() throws Exception {
        layout("64K", "0", "64K");
        device("a");
        awaitActive("a");
        await("the layout without pmsg", () -> registry.status().layout().pmsgSize() == 0);
        Pmsg pmsg = context.getService(context.getServiceReference(Pmsg.class));
        try {
            pmsg.write("nowhere".getBytes(US_ASCII));
            fail("pmsg wrote without a pmsg zone");
        } catch (PstoreException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("pmsg is not served"));
        }
        layout("64K", "64K", "64K");
        await("pmsg served again", () -> {
            try {
                return pmsg.write("somewhere\n".getBytes(US_ASCII)) == WriteStatus.STORED;
            } catch (PstoreException e) {
                return false;
            }
        });
    }

    @Test
    public void anUncaughtExceptionIsAnOops() throws Exception {
        device("a");
        awaitActive("a");
        await("the kmsg dumper enabled", () -> context.getServiceReference(KmsgDumper.class) != null);
        Thread.sleep(200);
        Thread dying = new Thread(() -> {
            throw new IllegalStateException("nobody caught me");
        }, "doomed worker");
        dying.start();
        dying.join();
        await("the oops record", () -> {
            try {
                return pstore.records().stream().anyMatch(r -> r.type() == RecordType.DMESG);
            } catch (PstoreException e) {
                return false;
            }
        });
        String record = new String(pstore.read("dmesg-pstore_blk-0"), US_ASCII);
        assertTrue(record, record.startsWith("Oops: Total 1 times\nOops#1 Part1\n"));
        assertTrue(record, record.contains("Uncaught exception in thread \"doomed worker\""));
        assertTrue(record, record.contains("java.lang.IllegalStateException: nobody caught me"));
    }

    @Test
    public void anUncaughtVirtualMachineErrorIsAPanic() throws Exception {
        device("a");
        awaitActive("a");
        await("the kmsg dumper enabled", () -> context.getServiceReference(KmsgDumper.class) != null);
        Thread.sleep(200);
        Thread dying = new Thread(() -> {
            throw new OutOfMemoryError("simulated: Java heap space");
        }, "allocating worker");
        dying.start();
        dying.join();
        await("the panic record", () -> active(BackendStatus.Active::panicCount) == 1);
        String record = new String(pstore.read("dmesg-pstore_blk-0"), US_ASCII);
        assertTrue(record, record.startsWith("Panic: Total 1 times\nPanic#1 Part1\n"));
        assertTrue(record, record.contains("java.lang.OutOfMemoryError: simulated: Java heap space"));
    }

    @Test
    public void pmsgHasAnOutputStreamView() throws Exception {
        device("a");
        awaitActive("a");
        Pmsg pmsg = context.getService(context.getServiceReference(Pmsg.class));
        await("pmsg enabled", () -> {
            try (java.io.OutputStream out = pmsg.openStream()) {
                out.write("from a stream\n".getBytes(US_ASCII));
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        installed(DRIVER_BSN).stop();
        assertEquals(List.of("pmsg-pstore_blk-0=from a stream\n"),
                texts(image("a"), ZoneConfig.of(new ZoneLayout(65536, 65536, 65536, 0, 1))).stream()
                        .filter(t -> t.startsWith("pmsg")).toList());
    }

    @Test
    public void thePanicPathStoresAPanicRecord() throws Exception {
        device("a");
        awaitActive("a");
        KmsgDumper dumper = context.getService(context.getServiceReference(KmsgDumper.class));
        await("the kmsg dumper enabled", () -> {
            try {
                return dumper.panic("it is over") == WriteStatus.STORED;
            } catch (PstoreException e) {
                return false;
            }
        });
        String record = new String(pstore.read("dmesg-pstore_blk-0"), US_ASCII);
        assertTrue(record, record.startsWith("Panic: Total 1 times\nPanic#1 Part1\n"));
        assertTrue(record, record.contains("Kernel panic - not syncing: it is over"));
        assertEquals(1, active(BackendStatus.Active::panicCount));
    }
}
