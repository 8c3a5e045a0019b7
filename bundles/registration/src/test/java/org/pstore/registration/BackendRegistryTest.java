package org.pstore.registration;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.BackendBusyException;
import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.ZoneStatus;
import org.pstore.driver.file.FileDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

class BackendRegistryTest {

    @TempDir
    Path dir;

    final ZoneConfig layout = ZoneConfig.of(new ZoneLayout(65536, 65536, 65536, 0, 1));
    final List<String> swaps = new ArrayList<>();
    final List<FileDevice> opened = new ArrayList<>();
    BackendRegistry registry = new BackendRegistry(new BackendRegistry.Settings(layout, ""),
            (previous, active, n) -> swaps.add(previous + "->" + active));

    FileDevice device(String name) throws PstoreException {
        FileDevice d = FileDevice.openOrCreate(dir.resolve(name + ".img"), 1 << 20);
        opened.add(d);
        return d;
    }

    @AfterEach
    void closeDevices() throws Exception {
        registry.close();
        for (FileDevice d : opened) {
            d.close();
        }
    }

    List<String> names(Path image, ZoneConfig config) throws Exception {
        try (FileDevice d = FileDevice.open(image, true); ZoneEngine e = ZoneEngine.open(d, config)) {
            return e.records().stream().map(PstoreRecord::name).toList();
        }
    }

    @Test
    void zonesCoverTheDeviceInOrderAndShowWhatWasWritten() throws Exception {
        assertThrows(PstoreException.class, registry::zones, "no backend");
        registry.addDevice(device("a"), "a", 0);
        registry.dump(DumpReason.OOPS, "Oops#1 Part1\nzones".getBytes(US_ASCII), false);
        registry.append(RecordType.PMSG, "pmsg".getBytes(US_ASCII));
        List<ZoneStatus> zones = registry.zones();
        // 1 MiB in 64 KiB zones: one pmsg, one console, the rest kmsg
        assertEquals(16, zones.size());
        long offset = 0;
        for (ZoneStatus z : zones) {
            assertEquals(offset, z.offset(), z.toString());
            assertEquals(65536, z.size());
            offset += z.size();
        }
        assertEquals(14, zones.stream().filter(z -> z.type() == RecordType.DMESG).count());
        List<String> written = zones.stream().filter(z -> z.state().equals("record"))
                .map(z -> z.type().label() + z.index()).toList();
        assertTrue(written.contains("pmsg0"), written.toString());
        assertEquals(1, written.stream().filter(w -> w.startsWith("dmesg")).count(), written.toString());
        assertTrue(zones.stream().filter(z -> z.type() == RecordType.CONSOLE).allMatch(z -> z.state().equals("empty")));
    }

    @Test
    void theFirstDeviceIsActiveAndTheOthersWait() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        registry.addDevice(device("b"), "b", 0);
        assertEquals("a", registry.status().activeName());
        assertEquals(List.of("b"), registry.status().standbys());
        assertEquals(List.of("null->a"), swaps);
    }

    @Test
    void anExplicitRegistrationWhileActiveIsBusy() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        BackendBusyException e = assertThrows(BackendBusyException.class, () -> registry.register(device("x")));
        assertEquals("a", e.active());
        assertTrue(e.getMessage().contains("'a' is active"), e.getMessage());
        assertEquals("a", registry.status().activeName(), "not replaced");
    }

    @Test
    void anExplicitRegistrationWorksWhenNoneIsActive() throws Exception {
        FileDevice x = device("x");
        registry.register(x);
        assertEquals(x.name(), registry.status().activeName());
        registry.unregister(x);
        assertNull(registry.status().activeName());
    }

    @Test
    void theStandbyTakesOverWithEveryRecord() throws Exception {
        FileDevice a = device("a");
        registry.addDevice(a, "a", 0);
        registry.addDevice(device("b"), "b", 0);
        registry.dump(DumpReason.OOPS, "on a".getBytes(US_ASCII), false);
        registry.removeDevice(a);
        assertEquals("b", registry.status().activeName());
        registry.dump(DumpReason.OOPS, "on b".getBytes(US_ASCII), false);
        registry.append(RecordType.PMSG, "pmsg on b".getBytes(US_ASCII));
        registry.close();
        assertEquals(List.of("dmesg-pstore_blk-0"), names(dir.resolve("a.img"), layout));
        assertEquals(List.of("pmsg-pstore_blk-0", "dmesg-pstore_blk-0"), names(dir.resolve("b.img"), layout));
        assertEquals(List.of("null->a", "a->b"), swaps);
    }

    @Test
    void writesWithoutABackendAreKeptAndReplayed() throws Exception {
        FileDevice a = device("a");
        registry.addDevice(a, "a", 0);
        registry.removeDevice(a);
        assertEquals(WriteStatus.PENDING, registry.dump(DumpReason.OOPS, "meanwhile".getBytes(US_ASCII), false));
        assertEquals(WriteStatus.PENDING, registry.append(RecordType.CONSOLE, "console meanwhile".getBytes(US_ASCII)));
        assertEquals(2, registry.status().bufferedWrites());
        assertThrows(PstoreException.class, registry::records);
        registry.addDevice(a, "a", 0);
        assertEquals(0, registry.status().bufferedWrites());
        assertTrue(new String(registry.read("dmesg-pstore_blk-0"), US_ASCII).endsWith("meanwhile"));
        registry.close();
        assertEquals(List.of("console-pstore_blk-0", "dmesg-pstore_blk-0"), names(dir.resolve("a.img"), layout));
    }

    @Test
    void aDeviceThatReturnsKeepsThisRunsRingContent() throws Exception {
        FileDevice a = device("a");
        registry.addDevice(a, "a", 0);
        registry.append(RecordType.PMSG, "first half\n".getBytes(US_ASCII));
        registry.removeDevice(a);
        registry.addDevice(a, "a", 0);
        registry.append(RecordType.PMSG, "second half\n".getBytes(US_ASCII));
        registry.close();
        try (FileDevice d = FileDevice.open(dir.resolve("a.img"), true); ZoneEngine e = ZoneEngine.open(d, layout)) {
            assertEquals("first half\nsecond half\n", new String(e.read("pmsg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void theConfiguredDeviceIsPreferredEvenWhenItComesLater() throws Exception {
        registry.configure(new BackendRegistry.Settings(layout, "wanted"));
        registry.addDevice(device("a"), "a", 100);
        assertEquals("a", registry.status().activeName());
        registry.addDevice(device("wanted"), "wanted", 0);
        assertEquals("wanted", registry.status().activeName());
        assertEquals(List.of("a"), registry.status().standbys());
    }

    @Test
    void rankingThenAgeDecide() throws Exception {
        FileDevice low = device("low");
        registry.addDevice(low, "low", 1);
        registry.addDevice(device("high"), "high", 5);
        registry.addDevice(device("old"), "old", 5);
        assertEquals("low", registry.status().activeName(), "no preemption by ranking");
        registry.removeDevice(low);
        assertEquals("high", registry.status().activeName());
        assertEquals(List.of("old"), registry.status().standbys());
    }

    @Test
    void aDeviceTooSmallForTheLayoutIsSkippedAndReported() throws Exception {
        FileDevice tiny = FileDevice.openOrCreate(dir.resolve("tiny.img"), 65536);
        opened.add(tiny);
        registry.addDevice(tiny, "tiny", 10);
        assertNull(registry.status().activeName());
        assertTrue(registry.status().problems().stream().anyMatch(p -> p.startsWith("cannot use tiny")),
                registry.status().problems().toString());
        registry.addDevice(device("ok"), "ok", 0);
        assertEquals("ok", registry.status().activeName());
    }

    @Test
    void aNewConfigurationReopensTheBackend() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        registry.append(RecordType.PMSG, "before".getBytes(US_ASCII));
        ZoneConfig bigger = ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1));
        registry.configure(new BackendRegistry.Settings(bigger, ""));
        assertEquals("a", registry.status().activeName());
        assertEquals((1048576 - 131072) / 4096, registry.status().active().kmsgZones());
        assertEquals("before", new String(registry.read("pmsg-pstore_blk-0"), US_ASCII), "recovered on reopening");
    }

    static final class RecordingFrontend implements PstoreFrontend {
        final RecordType type;
        Pstore pstore;
        int enables;
        int disables;

        RecordingFrontend(RecordType type) {
            this.type = type;
        }

        @Override
        public RecordType type() {
            return type;
        }

        @Override
        public void enable(Pstore p) {
            pstore = p;
            enables++;
        }

        @Override
        public void disable() {
            pstore = null;
            disables++;
        }
    }

    @Test
    void frontendsAreEnabledByTheBackendsZones() throws Exception {
        RecordingFrontend pmsg = new RecordingFrontend(RecordType.PMSG);
        RecordingFrontend ftrace = new RecordingFrontend(RecordType.FTRACE);
        registry.addFrontend(pmsg);
        registry.addFrontend(ftrace);
        assertNull(pmsg.pstore, "no backend yet");
        registry.addDevice(device("a"), "a", 0);
        assertEquals(registry, pmsg.pstore);
        assertNull(ftrace.pstore, "no ftrace zones");
        registry.configure(new BackendRegistry.Settings(ZoneConfig.of(new ZoneLayout(65536, 0, 0, 65536, 2)), ""));
        assertNull(pmsg.pstore);
        assertEquals(registry, ftrace.pstore);
        registry.configure(new BackendRegistry.Settings(layout, ""));
        assertEquals(registry, pmsg.pstore, "re-enabled after a swap to a backend that has them");
        assertEquals(2, pmsg.enables);
        registry.close();
        assertEquals(2, pmsg.disables);
    }

    @Test
    void aPanicWithoutABackendIsReported() {
        assertThrows(PstoreException.class,
                () -> registry.panicDump(DumpReason.PANIC, java.nio.ByteBuffer.wrap(new byte[1]), false));
    }

    /** A frontend whose enable() has another thread call back into the registry, and waits for it. */
    static final class CallingBackFrontend implements PstoreFrontend {
        final List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        final BackendRegistry registry;

        CallingBackFrontend(BackendRegistry registry) {
            this.registry = registry;
        }

        @Override
        public RecordType type() {
            return RecordType.PMSG;
        }

        @Override
        public void enable(Pstore p) {
            Thread other = new Thread(() -> {
                try {
                    p.append(RecordType.PMSG, "from enable\n".getBytes(US_ASCII));
                    answers.add(registry.status().activeName());
                } catch (PstoreException e) {
                    answers.add(e.toString());
                }
            });
            other.start();
            try {
                other.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (other.isAlive()) {
                answers.add("the call back from another thread did not return within 10 s");
            }
        }

        @Override
        public void disable() {
        }
    }

    @Test
    void aFrontendMayCallBackFromAnyThreadWhileItIsEnabled() throws Exception {
        CallingBackFrontend first = new CallingBackFrontend(registry);
        registry.addFrontend(first);
        registry.addDevice(device("a"), "a", 0); // enabled by the device's arrival
        CallingBackFrontend second = new CallingBackFrontend(registry);
        registry.addFrontend(second); // enabled on arrival
        assertEquals(List.of("a"), first.answers);
        assertEquals(List.of("a"), second.answers);
        registry.close();
        try (FileDevice d = FileDevice.open(dir.resolve("a.img"), true); ZoneEngine e = ZoneEngine.open(d, layout)) {
            assertEquals("from enable\nfrom enable\n", new String(e.read("pmsg-pstore_blk-0"), US_ASCII));
        }
    }

    @Test
    void statusIsConsistentWhileFailingFrontendsAddProblems() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        PstoreFrontend failing = new PstoreFrontend() {
            @Override
            public RecordType type() {
                return RecordType.PMSG;
            }

            @Override
            public void enable(Pstore p) {
                throw new IllegalStateException("cannot start");
            }

            @Override
            public void disable() {
            }
        };
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                try {
                    List<String> problems = registry.status().problems();
                    if (problems.size() > BackendRegistry.MAX_PROBLEMS) {
                        failures.add(new AssertionError("problems " + problems.size() + ": " + problems));
                    }
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 20_000 && failures.isEmpty(); i++) {
                registry.addFrontend(failing);
                registry.removeFrontend(failing);
            }
        } finally {
            done.set(true);
            reader.join();
        }
        assertEquals(List.of(), failures);
        assertTrue(registry.status().problems().stream()
                        .anyMatch(p -> p.endsWith(" failed to enable: java.lang.IllegalStateException: cannot start")),
                registry.status().problems().toString());
    }
}
