package org.pstore.driver.nand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.PstoreException;
import org.pstore.zone.WorkloadModel;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * A power cut injected at every program and erase step of a scripted workload of dumps, panics
 * and erases on NAND: no record whose write had returned is lost, except the oldest, which the
 * device itself frees to keep a zone for the next panic; nothing is shown that was not written.
 */
class NandPowerCutTest {

    /** Four pages: the workload's records (under 6 KiB) leave the last page for a tombstone. */
    static final int ZONE = 8192;
    static final ZoneConfig CONFIG = ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE));
    static final int SCALE = Integer.getInteger("pstore.reliability.scale", 1);

    @TempDir
    Path dir;

    @Test
    void everyProgramAndEraseStep() throws Exception {
        long cuts = 0;
        long operations = 0;
        for (int round = 0; round < 4 * SCALE; round++) {
            List<WorkloadModel.Action> script = WorkloadModel.script(80, 40 + round).stream()
                    .filter(a -> !(a instanceof WorkloadModel.Append)).toList();
            Path pristine = dir.resolve("pristine-" + round + ".img");
            NandChip.format(pristine, 2048, 64, 8, 10, Set.of(4)).close();
            long steps;
            Path dry = dir.resolve("dry.img");
            Files.copy(pristine, dry);
            try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(dry, false), "nand", ZONE);
                 ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
                new WorkloadModel(CONFIG.layout()).run(engine, script);
                steps = device.chip().log().size();
            }
            Files.delete(dry);
            for (long at = 0; at <= steps; at++) {
                Path image = dir.resolve("cut.img");
                Files.copy(pristine, image);
                WorkloadModel model = new WorkloadModel(CONFIG.layout());
                try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, false), "nand", ZONE)) {
                    device.chip().cutPowerAfterSteps(at);
                    ZoneEngine engine = ZoneEngine.open(device, CONFIG);
                    int[] seen = {0};
                    model.run(engine, script, () -> {
                        // the blocks the device erased took their records with them (the oldest)
                        List<NandChip.Operation> log = device.chip().log();
                        for (NandChip.Operation op : log.subList(seen[0], log.size())) {
                            if (op.kind().equals("erase")) {
                                for (int z = 0; z < 2; z++) {
                                    model.forget(op.block() * 2 + z);
                                }
                            }
                        }
                        seen[0] = log.size();
                    });
                    try {
                        engine.close();
                    } catch (PstoreException expected) {
                        // no power
                    }
                }
                try (NandPstoreDevice device = NandPstoreDevice.open(NandChip.open(image, false), "nand", ZONE);
                     ZoneEngine reopened = ZoneEngine.open(device, CONFIG)) {
                    try {
                        model.verify(reopened);
                    } catch (AssertionError e) {
                        throw new AssertionError("cut at step " + at + " of " + steps + ":\n" + device.chip().log(), e);
                    }
                }
                Files.delete(image);
                cuts++;
                operations += model.operations();
            }
        }
        System.out.println("power cuts (NAND): " + cuts + " cuts tried over " + operations
                + " operations; records lost or invented: 0");
    }
}
