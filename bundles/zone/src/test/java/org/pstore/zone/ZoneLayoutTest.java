package org.pstore.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;

class ZoneLayoutTest {

    @Test
    void zonesAreCutInLinuxOrder() throws Exception {
        ZoneLayout layout = new ZoneLayout(65536, 4096, 8192, 16384, 4);
        layout.validate(1 << 20);
        assertEquals(List.of(
                new Zone(RecordType.PMSG, 0, 0, 4096),
                new Zone(RecordType.CONSOLE, 0, 4096, 8192),
                new Zone(RecordType.FTRACE, 0, 12288, 4096),
                new Zone(RecordType.FTRACE, 1, 16384, 4096),
                new Zone(RecordType.FTRACE, 2, 20480, 4096),
                new Zone(RecordType.FTRACE, 3, 24576, 4096)), layout.ringZones());
        assertEquals(28672, layout.kmsgOffset());
        assertEquals(15, layout.kmsgCount(1 << 20), "the remainder too small for a zone is unused");
        assertEquals(new Zone(RecordType.DMESG, 2, 28672 + 2 * 65536, 65536), layout.kmsgZone(2));
    }

    @Test
    void anUnevenFtraceSplitDropsTheRemainderAsLinuxDoes() throws Exception {
        ZoneLayout layout = new ZoneLayout(4096, 0, 0, 65536, 3);
        layout.validate(1 << 20);
        assertEquals(21845, layout.ftraceZoneSize());
        assertEquals(65535, layout.kmsgOffset());
        assertEquals((1048576 - 65536) / 4096, layout.kmsgCount(1 << 20));
    }

    @Test
    void badSizesAreRefusedNamingTheValue() {
        assertRefused(new ZoneLayout(1000, 0, 0, 0, 1), 1 << 20, "kmsg-size 1000 is not a multiple of 512");
        assertRefused(new ZoneLayout(4096, 100, 0, 0, 1), 1 << 20, "pmsg-size 100 is not a multiple of 512");
        assertRefused(new ZoneLayout(4096, 0, -512, 0, 1), 1 << 20, "console-size -512");
        assertRefused(new ZoneLayout(4096, 0, 0, 513, 1), 1 << 20, "ftrace-size 513");
        assertRefused(new ZoneLayout(0, 0, 0, 0, 1), 1 << 20, "no zone kind is enabled");
        assertRefused(new ZoneLayout(4096, 0, 0, 0, 1), 2048, "device size 2048 is not a multiple of 4096");
        assertRefused(new ZoneLayout(4096, 0, 0, 0, 1), 6000, "device size 6000");
        assertRefused(new ZoneLayout(8192, 0, 0, 0, 1), 4096, "kmsg-size 8192 does not fit");
        assertRefused(new ZoneLayout(4096, 8192, 0, 0, 1), 4096, "pmsg-size 8192 + console-size 0 + ftrace-size 0 = 8192 bytes do not fit");
        assertRefused(new ZoneLayout(4096, 0, 0, 512, 64), 1 << 20, "ftrace-size 512 split over 64 CPUs");
        assertRefused(new ZoneLayout(4096, 0, 0, 0, 0), 1 << 20, "cpus must be at least 1");
    }

    private static void assertRefused(ZoneLayout layout, long deviceSize, String message) {
        PstoreException e = assertThrows(PstoreException.class, () -> layout.validate(deviceSize));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void noCapAtOneHundredTwentyEightMebibytes() throws Exception {
        ZoneLayout layout = ZoneLayout.kmsgOnly(65536);
        layout.validate(8L << 30);
        assertEquals((8L << 30) / 65536, layout.kmsgCount(8L << 30));
    }
}
