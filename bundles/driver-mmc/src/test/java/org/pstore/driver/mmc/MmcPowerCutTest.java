package org.pstore.driver.mmc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.zone.WorkloadModel;
import org.pstore.zone.WorkloadModel.Action;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * Random sequences of record writes, panics and erases on an MMC card, each run once without a
 * cut to count its sector programs, then again with the power cut after every one of them (the
 * card's own cut: cache lost, a multi-block program cut to a prefix): every record whose write had
 * returned, and every panic record, is found intact afterwards, and no record is ever shown with
 * bytes that were not written.
 */
class MmcPowerCutTest {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 16384, 0, 0, 1));
    static final int SCALE = Integer.getInteger("pstore.reliability.scale", 1);
    static final AtomicLong WORKLOADS = new AtomicLong();
    static final AtomicLong CUTS = new AtomicLong();
    static final AtomicLong OPERATIONS = new AtomicLong();
    static final AtomicBoolean FAILED = new AtomicBoolean();

    @Provide
    Arbitrary<List<Action>> scripts() {
        Arbitrary<String> texts = Arbitraries.integers().between(1, 3000)
                .map(n -> ("line " + n + " " + "x".repeat(n % 97) + "\n").repeat(1 + n / 40));
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(4, texts.flatMap(t -> Arbitraries.of(true, false).map(c -> (Action) new WorkloadModel.Dump(t, c)))),
                Tuple.of(1, texts.map(t -> (Action) new WorkloadModel.Panic(t))),
                Tuple.of(3, Arbitraries.integers().between(1, 200)
                        .map(n -> (Action) new WorkloadModel.Append(RecordType.PMSG, "pmsg " + n + "\n"))),
                Tuple.of(1, Arbitraries.integers().between(0, 50).map(n -> (Action) new WorkloadModel.Erase(n))));
        return action.list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 12)
    void nothingReturnedIsLostAndNothingIsInventedAtACutAfterEverySectorProgram(
            @ForAll("scripts") List<Action> script) throws Exception {
        Path dir = Files.createTempDirectory("mmc-cut");
        try {
            Path pristine = dir.resolve("pristine.img");
            MmcCard.format(pristine, 128 * 1024, 8192, 65536, (byte) 0xff).close();
            long programs;
            Path dry = Files.copy(pristine, dir.resolve("dry.img"));
            try (MmcCard card = MmcCard.open(dry, false)) {
                try (ZoneEngine engine = ZoneEngine.open(new MmcDevice(card, "mmc"), CONFIG)) {
                    if (!new WorkloadModel(CONFIG.layout()).run(engine, script)) {
                        throw new AssertionError("the dry run, without a cut, failed");
                    }
                }
                programs = card.programs(); // the close's flush included
            }
            for (long cut = 0; cut < programs; cut++) {
                if (cutAfter(pristine, dir.resolve("cut.img"), script, cut)) {
                    CUTS.incrementAndGet();
                }
            }
            WORKLOADS.incrementAndGet();
        } catch (Throwable t) {
            FAILED.set(true);
            throw t;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs the script with the power cut after {@code cut} sector programs; whether it cut during the workload. */
    private static boolean cutAfter(Path pristine, Path image, List<Action> script, long cut) throws Exception {
        Files.deleteIfExists(image);
        Files.copy(pristine, image);
        WorkloadModel model = new WorkloadModel(CONFIG.layout());
        boolean cutDuringWorkload;
        try (MmcCard card = MmcCard.open(image, false)) {
            card.cutPowerAfterPrograms(cut);
            ZoneEngine engine = ZoneEngine.open(new MmcDevice(card, "mmc"), CONFIG);
            model.run(engine, script);
            cutDuringWorkload = card.powerLost();
            card.cutPower();
            try {
                engine.close();
            } catch (PstoreException expected) {
                // the card is dead: what was dirty cannot be written
            }
        }
        try (MmcCard again = MmcCard.open(image, false);
             ZoneEngine reopened = ZoneEngine.open(new MmcDevice(again, "mmc"), CONFIG)) {
            model.verify(reopened);
        } catch (AssertionError e) {
            throw new AssertionError("power cut after " + cut + " sector programs: " + e.getMessage(), e);
        }
        if (cutDuringWorkload) {
            OPERATIONS.addAndGet(model.operations());
        }
        return cutDuringWorkload;
    }

    @AfterContainer
    static void figures() {
        if (!FAILED.get()) {
            System.out.println("power cuts (MMC): " + CUTS.get() + " cuts, each during the workload, after every sector"
                    + " program of " + WORKLOADS.get() + " random workloads; " + OPERATIONS.get()
                    + " workload operations begun before those cuts; records lost or invented: 0");
        }
    }
}
