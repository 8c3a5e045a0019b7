package org.pstore.driver.mmc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.zone.WorkloadModel;
import org.pstore.zone.WorkloadModel.Action;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * Random sequences of record writes, panics and erases on an MMC card, with the power cut after
 * any number of sector programs (the card's own cut: cache lost, a multi-block program cut to a
 * prefix): every record whose write had returned, and every panic record, is found intact
 * afterwards, and no record is ever shown with bytes that were not written.
 */
class MmcPowerCutTest {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 16384, 0, 0, 1));
    static final AtomicLong CUTS = new AtomicLong();
    static final AtomicLong OPERATIONS = new AtomicLong();

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
        return action.list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 300)
    void nothingReturnedIsLostAndNothingIsInvented(@ForAll("scripts") List<Action> script,
                                                   @ForAll @IntRange(min = 0, max = 400) int cutAfterPrograms)
            throws Exception {
        Path image = Files.createTempDirectory("mmc-cut").resolve("card.img");
        WorkloadModel model = new WorkloadModel(CONFIG.layout());
        try {
            try (MmcCard card = MmcCard.format(image, 128 * 1024, 8192, 65536, (byte) 0xff)) {
                card.cutPowerAfterPrograms(cutAfterPrograms);
                ZoneEngine engine = ZoneEngine.open(new MmcDevice(card, "mmc"), CONFIG);
                model.run(engine, script);
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
            }
            CUTS.incrementAndGet();
            OPERATIONS.addAndGet(model.operations());
        } finally {
            try (Stream<Path> files = Files.walk(image.getParent())) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @AfterContainer
    static void figures() {
        System.out.println("power cuts (MMC): " + CUTS.get() + " cuts tried over " + OPERATIONS.get()
                + " operations; records lost or invented: 0");
    }
}
