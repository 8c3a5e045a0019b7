package org.pstore.zone;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.zone.internal.ZoneFormat;

/**
 * Damaged and hostile partitions: random header fields, and a mutation fuzzer over valid images
 * (Linux's and ours) with bit flips, random fields, truncation and all-0x00 / all-0xFF media. The
 * engine must never throw anything but its documented {@link PstoreException}, never read or write
 * out of bounds, and never allocate by a hostile length (allocation stays within a bound set by the
 * partition, not by the fields). {@code -Dpstore.reliability.scale=N} fuzzes N times as many images.
 */
class HostileImageTest {

    static final int SCALE = Integer.getInteger("pstore.reliability.scale", 1);
    /** Images that passed; the figure is printed only when none failed. */
    static final AtomicLong IMAGES = new AtomicLong();
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final ZoneConfig SMALL = ZoneConfig.of(new ZoneLayout(4096, 4096, 4096, 8192, 2));
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static void exercise(byte[] image, ZoneConfig config) {
        try {
            check(image, config);
            IMAGES.incrementAndGet();
        } catch (RuntimeException | Error e) {
            FAILED.set(true);
            throw e;
        }
    }

    /** Opens, lists, reads, describes, erases and writes; only documented errors may come out. */
    private static void check(byte[] image, ZoneConfig config) {
        long before = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
        MemoryDevice device = new MemoryDevice(image);
        try (ZoneEngine engine = ZoneEngine.open(device, config)) {
            List<PstoreRecord> records = new ArrayList<>();
            try {
                records.addAll(engine.records());
            } catch (PstoreException documented) {
                // a record could not be read
            }
            for (PstoreRecord r : records) {
                try {
                    engine.read(r.name());
                } catch (PstoreException documented) {
                    // damaged
                }
            }
            engine.describeZones(z -> { });
            for (PstoreRecord r : records) {
                try {
                    engine.erase(r.name());
                } catch (PstoreException documented) {
                    // damaged
                }
            }
            if (engine.kmsgZoneCount() > 0) {
                engine.dump(DumpReason.OOPS, "after the fuzz".getBytes(US_ASCII), true);
            }
            for (RecordType t : List.of(RecordType.PMSG, RecordType.CONSOLE)) {
                if (engine.hasZones(t)) {
                    engine.append(t, "still writing\n".getBytes(US_ASCII));
                }
            }
        } catch (PstoreException documented) {
            // refused: a layout that does not fit, a device that fails
        }
        long allocated = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        // every buffer is bounded by a zone or Linux's inflate limit of one, never by a field's value
        assertTrue(allocated < 64L * image.length + (8 << 20), "allocated " + allocated + " for " + image.length + " bytes");
    }

    @Property(tries = 2000)
    void randomHeaderFieldsAreSurvived(@ForAll @IntRange(min = 0, max = 7) int zoneIndex, @ForAll int sig,
                                       @ForAll int datalen, @ForAll int start, @ForAll boolean validSig,
                                       @ForAll boolean validMagic, @ForAll int counter, @ForAll int reason,
                                       @ForAll byte compressed, @ForAll boolean marker, @ForAll long seconds) {
        byte[] image = new byte[32768];
        ByteBuffer b = ZoneFormat.le(image);
        // pmsg 0, console 4096, ftrace 8192 and 12288, kmsg from 16384
        int offset = zoneIndex < 4 ? zoneIndex * 4096 : 16384 + (zoneIndex - 4) * 4096;
        RecordType type = zoneIndex == 0 ? RecordType.PMSG : zoneIndex == 1 ? RecordType.CONSOLE
                : zoneIndex < 4 ? RecordType.FTRACE : RecordType.DMESG;
        ZoneFormat.putHeader(b, offset, validSig ? ZoneFormat.signature(type) : sig, datalen, start);
        b.putInt(offset + 12, validMagic ? ZoneFormat.KMSG_MAGIC : sig);
        b.putLong(offset + 20, seconds);
        b.put(offset + 36, compressed);
        b.putInt(offset + 40, counter);
        b.putInt(offset + 44, reason);
        b.putInt(offset + 48, marker ? ZoneFormat.CHECKSUM_MARKER : 0);
        new Random(datalen).ints(offset + 52, offset + 4096).limit(200).forEach(i -> image[i] = (byte) i);
        exercise(image, SMALL);
    }

    @Property(tries = 300)
    void ourOwnImagesSurviveMutation(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        MemoryDevice device = new MemoryDevice(32768);
        try (ZoneEngine engine = ZoneEngine.open(device, SMALL)) {
            new WorkloadModel(SMALL.layout()).run(engine, WorkloadModel.script(20, seed));
            FtraceZoneTest.appendOnCpu(engine, 2, 0, new byte[24 * 10]);
            FtraceZoneTest.appendOnCpu(engine, 2, 1, new byte[24 * 7 + 5]);
        }
        exercise(mutate(device.bytes, random), SMALL);
    }

    @Example // jqwik's, so that its images are counted before the container's figure is printed
    void theLinuxImagesSurviveMutation() throws Exception {
        for (Path path : LinuxImages.all()) {
            byte[] original = Files.readAllBytes(path);
            ZoneConfig config = LinuxImages.expected(path).config();
            Random random = new Random(path.getFileName().hashCode());
            for (int i = 0; i < 40 * SCALE; i++) {
                exercise(mutate(original, random), config);
            }
            exercise(new byte[original.length], config);
            byte[] ones = new byte[original.length];
            Arrays.fill(ones, (byte) 0xff);
            exercise(ones, config);
            for (int size = 4096; size < original.length; size *= 4) {
                exercise(Arrays.copyOf(original, size), config); // truncated: refused or smaller
            }
        }
    }

    /** Bit flips, random header fields, or extreme lengths, at the zone headers and anywhere. */
    static byte[] mutate(byte[] original, Random random) {
        byte[] image = original.clone();
        ByteBuffer b = ZoneFormat.le(image);
        int kinds = 1 + random.nextInt(4);
        for (int k = 0; k < kinds; k++) {
            int zoneStart = random.nextInt(image.length / 4096) * 4096;
            switch (random.nextInt(5)) {
                case 0 -> {
                    for (int i = 0; i < 1 + random.nextInt(64); i++) {
                        int at = random.nextInt(image.length);
                        image[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> b.putInt(zoneStart + 4 * random.nextInt(13), random.nextInt());
                case 2 -> b.putInt(zoneStart + ZoneFormat.OFF_DATALEN,
                        new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 39, 41, 4084, 4085, 65524}[random.nextInt(8)]);
                case 3 -> b.putInt(zoneStart + ZoneFormat.OFF_START,
                        new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 4084, 4085}[random.nextInt(5)]);
                default -> {
                    int at = random.nextInt(image.length);
                    Arrays.fill(image, at, Math.min(image.length, at + random.nextInt(4096)), (byte) random.nextInt());
                }
            }
        }
        return image;
    }

    @AfterContainer
    static void figures() {
        if (!FAILED.get()) {
            System.out.println("hostile images: " + IMAGES.get() + " images fuzzed; unexpected exceptions: 0");
        }
    }
}
