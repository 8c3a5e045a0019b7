package org.pstore.driver.nand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.zone.WorkloadModel;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * A power cut injected at every program and erase step of a scripted workload of dumps, panics
 * and erases on NAND: no record whose write had returned is lost, except the oldest, which the
 * device frees to keep a zone for the next panic once it is full; nothing is shown that was not
 * written. What may be lost comes from the workload's own write order, not from the chip: a
 * record may be missing only once the workload has written enough to fill the device, and only
 * if the engine's cursor has come round to the block before it ({@link #lag}). A record a reclaim
 * writes back is never excused: it must survive a cut at every step of the reclaim.
 */
class NandPowerCutTest {

    /** Four pages: the workload's records ({@link #fit}) leave the last page for a tombstone. */
    static final int ZONE = 8192;
    static final int BLOCKS = 10;
    static final Set<Integer> BAD = Set.of(4);
    static final int ZONES_PER_BLOCK = 8 * 2048 / ZONE;
    /** The device's spare, by its documented rule: the last good block, which holds no zones. */
    static final int SPARE = 9;
    /** Zones in the blocks that hold them; the device keeps one free for a panic, so it is full after one less. */
    static final int GOOD = (BLOCKS - BAD.size() - 1) * ZONES_PER_BLOCK;
    static final ZoneConfig CONFIG = ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE));
    static final int SCALE = Integer.getInteger("pstore.reliability.scale", 1);

    @TempDir
    Path dir;

    static boolean holdsZones(int block) {
        return !BAD.contains(block) && block != SPARE;
    }

    /**
     * How far the engine's cursor must have come round since a record was written in {@code zone}
     * before it may be given up: freeing a zone erases the next block holding zones after the one
     * just written, so the record's block goes only once a write has landed in the block holding
     * zones before it (bad blocks and the spare lie between, and are skipped).
     */
    static int lag(int zone) {
        int before = zone / ZONES_PER_BLOCK;
        do {
            before = Math.floorMod(before - 1, BLOCKS);
        } while (!holdsZones(before));
        return Math.floorMod(before * ZONES_PER_BLOCK - zone, BLOCKS * ZONES_PER_BLOCK);
    }

    /** The workload's kmsg writes in order: the zone of each and when it was written, as the engine reports them. */
    static final class WriteOrder {
        final Map<Integer, Long> lastWriteOfZone = new HashMap<>();
        /** Zones the cursor advanced over, written or skipped. */
        long advanced;
        int cursor;
        Set<Long> listed = Set.of();
        int writes;

        Runnable recorder(ZoneEngine engine, List<WorkloadModel.Action> script) {
            int[] next = {0};
            return () -> {
                WorkloadModel.Action a = script.get(next[0]++);
                advanced += Math.floorMod(engine.nextKmsgZone() - cursor, engine.kmsgZoneCount());
                cursor = engine.nextKmsgZone();
                if (a instanceof WorkloadModel.Dump || a instanceof WorkloadModel.Panic) {
                    writes++;
                    lastWriteOfZone.put(Math.floorMod(cursor - 1, engine.kmsgZoneCount()), advanced);
                }
                try {
                    Set<Long> now = engine.records().stream().map(PstoreRecord::id).collect(Collectors.toSet());
                    if (a instanceof WorkloadModel.Erase) {
                        listed.stream().filter(id -> !now.contains(id)).forEach(id -> lastWriteOfZone.remove((int) (long) id));
                    }
                    listed = now;
                } catch (PstoreException noPower) {
                    // the cut came: nothing more to learn
                }
            };
        }

        /** Lets the model miss the records the device may have given up, by the rule above. */
        void excuseTheOldest(WorkloadModel model) {
            if (writes < GOOD - 1) {
                return; // the device was never full: it had no reason to give anything up
            }
            lastWriteOfZone.forEach((zone, written) -> {
                if (advanced - written >= lag(zone)) {
                    model.forget(zone);
                }
            });
        }
    }

    @Test
    void everyProgramAndEraseStep() throws Exception {
        long cuts = 0;
        long operations = 0;
        long workloads = 0;
        long inReclaims = 0;
        for (int round = 0; round < 4 * SCALE; round++) {
            List<WorkloadModel.Action> script = script(round);
            Path pristine = dir.resolve("pristine-" + round + ".img");
            NandChip.format(pristine, 2048, 64, 8, BLOCKS, BAD).close();
            long steps = dryRun(pristine, script);
            for (long at = 0; at < steps; at++) {
                Path image = Files.copy(pristine, dir.resolve("cut.img"));
                WorkloadModel model = new WorkloadModel(CONFIG.layout());
                WriteOrder order = new WriteOrder();
                boolean cutDuringWorkload;
                try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, false), "nand", ZONE)) {
                    device.chip().cutPowerAfterSteps(at);
                    ZoneEngine engine = ZoneEngine.open(device, CONFIG);
                    model.run(engine, script, order.recorder(engine, script));
                    cutDuringWorkload = device.chip().powerLost();
                    try {
                        engine.close();
                    } catch (PstoreException expected) {
                        // no power
                    }
                }
                order.excuseTheOldest(model);
                boolean inAReclaim;
                try (NandChip chip = NandChip.open(image, true)) {
                    // how far the cuts reach (not an oracle): a copy left in the spare is a reclaim cut short
                    inAReclaim = IntStream.range(0, chip.pagesPerBlock()).anyMatch(p -> chip.isProgrammed(SPARE, p));
                }
                try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, false), "nand", ZONE);
                     ZoneEngine reopened = ZoneEngine.open(device, CONFIG)) {
                    model.verify(reopened);
                } catch (AssertionError e) {
                    throw new AssertionError("cut after step " + at + " of " + steps + " (round " + round + ", "
                            + order.writes + " kmsg writes begun): " + e.getMessage(), e);
                }
                Files.delete(image);
                if (cutDuringWorkload) {
                    cuts++;
                    inReclaims += inAReclaim ? 1 : 0;
                    operations += model.operations();
                }
            }
            workloads++;
        }
        System.out.println("power cuts (NAND): " + cuts + " cuts, each during the workload, after every program and"
                + " erase step of " + workloads + " workloads (" + inReclaims + " of them inside a reclaim that copies"
                + " records in use to the spare, before its spare was erased); " + operations + " workload operations begun before"
                + " those cuts; records invented: 0; records lost other than the oldest, given up once the device was"
                + " full: 0 (records written back by reclaims included)");
    }

    /**
     * Dumps, panics and erases, the texts leaving each zone's last page free; a panic that follows
     * a panic becomes a dump, as a panic takes the
     * zone kept free and only the next normal write or erase frees another (Linux panics once a boot).
     */
    static List<WorkloadModel.Action> script(int round) {
        List<WorkloadModel.Action> script = new ArrayList<>();
        for (WorkloadModel.Action a : WorkloadModel.script(80, 40 + round)) {
            if (a instanceof WorkloadModel.Panic p) {
                boolean afterAPanic = !script.isEmpty() && script.get(script.size() - 1) instanceof WorkloadModel.Panic;
                script.add(afterAPanic ? new WorkloadModel.Dump(fit(p.text()), false) : new WorkloadModel.Panic(fit(p.text())));
            } else if (a instanceof WorkloadModel.Dump d) {
                script.add(new WorkloadModel.Dump(fit(d.text()), d.compress()));
            } else if (a instanceof WorkloadModel.Erase) {
                script.add(a);
            }
        }
        return script;
    }

    /** A text that leaves a zone's last page free for a tombstone (a record that fills it may show again). */
    static String fit(String text) {
        return text.substring(0, Math.min(text.length(), ZONE - 2048 - 100));
    }

    /** Runs the workload without a cut, checks it by the same rule, and counts its program and erase steps. */
    private long dryRun(Path pristine, List<WorkloadModel.Action> script) throws Exception {
        Path dry = Files.copy(pristine, dir.resolve("dry.img"));
        WorkloadModel model = new WorkloadModel(CONFIG.layout());
        WriteOrder order = new WriteOrder();
        long steps;
        try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(dry, false), "nand", ZONE)) {
            try (ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
                if (!model.run(engine, script, order.recorder(engine, script))) {
                    throw new AssertionError("the dry run, without a cut, failed");
                }
            }
            steps = device.chip().steps();
        }
        order.excuseTheOldest(model);
        try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(dry, false), "nand", ZONE);
             ZoneEngine reopened = ZoneEngine.open(device, CONFIG)) {
            model.verify(reopened);
        }
        Files.delete(dry);
        return steps;
    }
}
