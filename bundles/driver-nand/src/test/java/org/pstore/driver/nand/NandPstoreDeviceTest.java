package org.pstore.driver.nand;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.DeviceFigures.Figure;
import org.pstore.api.device.DeviceFigures.Part;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/** pstore on NAND: bad blocks, wrap-around, wear, grown bad blocks, ECC, the write-back. */
class NandPstoreDeviceTest {

    static final int ZONE = 4096; // two 2048-byte pages; four zones in a 16 KiB block
    static final ZoneConfig CONFIG = ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE));

    @TempDir
    Path dir;

    NandPstoreDevice device(int blocks, Set<Integer> bad) throws PstoreException {
        return NandPstoreDevice.open(NandChip.format(dir.resolve("nand.img"), 2048, 64, 8, blocks, bad), "nand", ZONE);
    }

    NandPstoreDevice reopen() throws PstoreException {
        return NandPstoreDevice.open(NandChip.open(dir.resolve("nand.img"), false), "nand", ZONE);
    }

    static String text(int i) {
        return "<4>[" + i + "] record number " + i + "\n";
    }

    @Test
    void badBlocksAreNeverProgrammedAndTheNewestRecordsStayReadable() throws Exception {
        try (NandPstoreDevice device = device(16, Set.of(2, 5)); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            for (int i = 0; i < 300; i++) {
                if (i == 100) {
                    device.chip().failPrograms(9); // grows bad
                }
                assertEquals(WriteStatus.STORED, engine.dump(DumpReason.OOPS, text(i).getBytes(US_ASCII), false));
            }
            List<NandChip.Operation> log = device.chip().log();
            int markedBad = IntStream.range(0, log.size())
                    .filter(k -> log.get(k).kind().equals("markbad") && log.get(k).block() == 9).findFirst().orElseThrow();
            for (int k = 0; k < log.size(); k++) {
                NandChip.Operation op = log.get(k);
                assertTrue(op.block() != 2 && op.block() != 5 || op.kind().equals("read"), "factory bad block touched: " + op);
                assertTrue(k <= markedBad || op.block() != 9, "grown bad block used after marking: " + op);
            }
            assertTrue(device.chip().isBad(9));
        }
        try (NandPstoreDevice device = reopen(); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            List<String> shown = engine.records().stream().map(r -> read(engine, r)).toList();
            for (int i = 299; i > 299 - 20; i--) {
                String expected = text(i);
                assertTrue(shown.stream().anyMatch(s -> s.endsWith(expected)), "newest record " + i + " is missing");
            }
            assertEquals(Optional.of("bad"), device.figures().part("block-2").flatMap(b -> b.value("state")));
        }
    }

    static String read(ZoneEngine engine, PstoreRecord r) {
        try {
            return new String(engine.read(r.name()), US_ASCII);
        } catch (PstoreException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void thousandsOfRecordsWearTheBlocksEvenly() throws Exception {
        try (NandPstoreDevice device = device(16, Set.of(7)); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            for (int i = 0; i < 3000; i++) {
                engine.dump(i % 10 == 0 ? DumpReason.PANIC : DumpReason.OOPS, text(i).getBytes(US_ASCII), false);
                int newest = Math.floorMod(engine.nextKmsgZone() - 1, engine.kmsgZoneCount());
                assertTrue(new String(engine.read("dmesg-pstore_blk-" + newest), US_ASCII).endsWith(text(i)),
                        "the newest record, " + i + ", is readable");
            }
            int[] counts = IntStream.range(0, 16).filter(b -> b != 7).map(b -> device.chip().eraseCount(b)).toArray();
            double mean = IntStream.of(counts).average().orElseThrow();
            int max = IntStream.of(counts).max().orElseThrow();
            System.out.println("NAND wear over 3000 records: mean " + mean + " erases a block, most " + max);
            assertTrue(max <= 1.5 * mean, "most-erased block " + max + " against a mean of " + mean);
            assertTrue(new String(engine.read(engine.records().get(engine.records().size() - 1).name()), US_ASCII)
                    .contains("record number"), "readable");
        }
    }

    @Test
    void aBlockThatFailsAProgramIsMarkedBadAndTheRecordGoesToTheNextGoodZone() throws Exception {
        try (NandPstoreDevice device = device(8, Set.of()); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            device.chip().failPrograms(0);
            assertEquals(WriteStatus.STORED, engine.dump(DumpReason.OOPS, "survivor".getBytes(US_ASCII), false));
            assertTrue(device.chip().isBad(0));
            assertEquals(List.of("dmesg-pstore_blk-4"), engine.records().stream().map(PstoreRecord::name).toList());
        }
    }

    @Test
    void anUncorrectablePageFailsOnlyItsZone() throws Exception {
        try (NandPstoreDevice device = device(8, Set.of()); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            for (int i = 0; i < 3; i++) {
                engine.dump(DumpReason.OOPS, text(i).getBytes(US_ASCII), false);
            }
            device.chip().flipBit(0, 2, 100); // zone 1's first page: one flip, corrected
            device.chip().flipBit(0, 4, 100); // zone 2's first page: two flips, not
            device.chip().flipBit(0, 4, 200);
        }
        try (NandPstoreDevice device = reopen(); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            assertEquals(List.of("dmesg-pstore_blk-0", "dmesg-pstore_blk-1"),
                    engine.records().stream().map(PstoreRecord::name).toList());
            assertTrue(engine.problems().get(0).contains("kmsg zone 2"), engine.problems().toString());
            assertTrue(new String(engine.read("dmesg-pstore_blk-1"), US_ASCII).endsWith(text(1)));
            assertTrue(device.chip().corrected() >= 1);
        }
    }

    @Test
    void reclaimingRemovedZonesWritesTheOthersBackToTheirOwnOffsets() throws Exception {
        // mtdpstore wrote the block's first zone over every zone it wrote back
        try (NandPstoreDevice device = device(4, Set.of()); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            for (int i = 0; i < 15; i++) {
                engine.dump(DumpReason.OOPS, text(i).getBytes(US_ASCII), false);
            }
            engine.erase("dmesg-pstore_blk-1"); // block 0 keeps zones 0, 2 and 3 in use
            assertEquals(block(0, "good", 0, "URUU"), device.figures().part("block-0").orElseThrow());
            engine.dump(DumpReason.OOPS, text(15).getBytes(US_ASCII), false); // the last free zone: block 0 is reclaimed
            assertEquals(block(0, "good", 1, "U.UU"), device.figures().part("block-0").orElseThrow());
        }
        try (NandPstoreDevice device = reopen(); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            for (int zone : new int[] {0, 2, 3}) {
                assertTrue(new String(engine.read("dmesg-pstore_blk-" + zone), US_ASCII).endsWith(text(zone)),
                        "zone " + zone + " holds its own record after the write-back");
            }
        }
    }

    @Test
    void anErasedRecordStaysErasedOverARestartThoughItsBlockWaits() throws Exception {
        try (NandPstoreDevice device = device(4, Set.of()); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            engine.dump(DumpReason.OOPS, "gone".getBytes(US_ASCII), false);
            engine.dump(DumpReason.OOPS, "kept".getBytes(US_ASCII), false);
            engine.erase("dmesg-pstore_blk-0");
            assertEquals(0, device.chip().eraseCount(0), "the block still holds zone 1");
        }
        try (NandPstoreDevice device = reopen(); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            assertEquals(List.of("dmesg-pstore_blk-1"), engine.records().stream().map(PstoreRecord::name).toList());
            assertEquals(block(0, "good", 0, "RU.."), device.figures().part("block-0").orElseThrow());
        }
    }

    @Test
    void zonesMustBeWholePagesWithinABlock() throws Exception {
        NandChip chip = NandChip.format(dir.resolve("n.img"), 2048, 64, 8, 4, Set.of());
        PstoreException e = assertThrows(PstoreException.class, () -> NandPstoreDevice.open(chip, "n", 3072));
        assertTrue(e.getMessage().contains("whole number of 2048-byte pages"), e.getMessage());
        assertThrows(PstoreException.class, () -> NandPstoreDevice.open(NandChip.open(dir.resolve("n.img"), false), "n", 6144));
        assertThrows(PstoreException.class, () -> NandPstoreDevice.open(NandChip.open(dir.resolve("n.img"), false), "n", 32768));
        try (NandPstoreDevice d = NandPstoreDevice.open(NandChip.open(dir.resolve("n.img"), false), "n", 4096)) {
            PstoreException ring = assertThrows(PstoreException.class, () -> d.write(12, ByteBuffer.allocate(100)));
            assertTrue(ring.getMessage().contains("whole kmsg zones"), ring.getMessage());
        }
    }

    /** A block's figures as the device shows them. */
    private static Part block(int index, String state, int erases, String zones) {
        return new Part("block-" + index, List.of(new Figure("state", state), Figure.of("erases", erases),
                new Figure("zones", zones)));
    }
}
