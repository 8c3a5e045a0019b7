package org.pstore.registration;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void theFirstDeviceIsActiveAndTheOthersWait() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        registry.addDevice(device("b"), "b", 0);
        assertEquals("a", registry.status().active());
        assertEquals(List.of("b"), registry.status().standbys());
        assertEquals(List.of("null->a"), swaps);
    }

    @Test
    void anExplicitRegistrationWhileActiveIsBusy() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        BackendBusyException e = assertThrows(BackendBusyException.class, () -> registry.register(device("x")));
        assertEquals("a", e.active());
        assertTrue(e.getMessage().contains("'a' is active"), e.getMessage());
        assertEquals("a", registry.status().active(), "not replaced");
    }

    @Test
    void anExplicitRegistrationWorksWhenNoneIsActive() throws Exception {
        FileDevice x = device("x");
        registry.register(x);
        assertEquals(x.name(), registry.status().active());
        registry.unregister(x);
        assertNull(registry.status().active());
    }

    @Test
    void theStandbyTakesOverWithEveryRecord() throws Exception {
        FileDevice a = device("a");
        registry.addDevice(a, "a", 0);
        registry.addDevice(device("b"), "b", 0);
        registry.dump(DumpReason.OOPS, "on a".getBytes(US_ASCII), false);
        registry.removeDevice(a);
        assertEquals("b", registry.status().active());
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
        assertEquals("a", registry.status().active());
        registry.addDevice(device("wanted"), "wanted", 0);
        assertEquals("wanted", registry.status().active());
        assertEquals(List.of("a"), registry.status().standbys());
    }

    @Test
    void rankingThenAgeDecide() throws Exception {
        FileDevice low = device("low");
        registry.addDevice(low, "low", 1);
        registry.addDevice(device("high"), "high", 5);
        registry.addDevice(device("old"), "old", 5);
        assertEquals("low", registry.status().active(), "no preemption by ranking");
        registry.removeDevice(low);
        assertEquals("high", registry.status().active());
        assertEquals(List.of("old"), registry.status().standbys());
    }

    @Test
    void aDeviceTooSmallForTheLayoutIsSkippedAndReported() throws Exception {
        FileDevice tiny = FileDevice.openOrCreate(dir.resolve("tiny.img"), 65536);
        opened.add(tiny);
        registry.addDevice(tiny, "tiny", 10);
        assertNull(registry.status().active());
        assertTrue(registry.status().problems().stream().anyMatch(p -> p.startsWith("cannot use tiny")),
                registry.status().problems().toString());
        registry.addDevice(device("ok"), "ok", 0);
        assertEquals("ok", registry.status().active());
    }

    @Test
    void aNewConfigurationReopensTheBackend() throws Exception {
        registry.addDevice(device("a"), "a", 0);
        registry.append(RecordType.PMSG, "before".getBytes(US_ASCII));
        ZoneConfig bigger = ZoneConfig.of(new ZoneLayout(4096, 65536, 65536, 0, 1));
        registry.configure(new BackendRegistry.Settings(bigger, ""));
        assertEquals("a", registry.status().active());
        assertEquals((1048576 - 131072) / 4096, registry.status().kmsgZones());
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
        assertFalse(registry.isEnabled(pmsg), "no backend yet");
        registry.addDevice(device("a"), "a", 0);
        assertTrue(registry.isEnabled(pmsg));
        assertFalse(registry.isEnabled(ftrace), "no ftrace zones");
        registry.configure(new BackendRegistry.Settings(ZoneConfig.of(new ZoneLayout(65536, 0, 0, 65536, 2)), ""));
        assertFalse(registry.isEnabled(pmsg));
        assertTrue(registry.isEnabled(ftrace));
        registry.configure(new BackendRegistry.Settings(layout, ""));
        assertTrue(registry.isEnabled(pmsg), "re-enabled after a swap to a backend that has them");
        assertEquals(2, pmsg.enables);
        registry.close();
        assertEquals(2, pmsg.disables);
    }

    @Test
    void aPanicWithoutABackendIsReported() {
        assertThrows(PstoreException.class,
                () -> registry.panicDump(DumpReason.PANIC, java.nio.ByteBuffer.wrap(new byte[1]), false));
    }
}
