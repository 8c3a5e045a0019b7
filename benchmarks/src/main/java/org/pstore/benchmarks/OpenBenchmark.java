package org.pstore.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pstore.api.RecordType;
import org.pstore.api.device.ForwardingStorageDevice;
import org.pstore.api.device.StorageDevice;
import org.pstore.driver.file.FileDevice;
import org.pstore.zone.Zone;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.internal.ZoneFormat;
import org.pstore.zone.ZoneLayout;

/**
 * Opening a partition (recovery) of 1 MiB, 128 MiB and 4 GiB (sparse), empty or with a record in
 * every zone: the time, against the baseline of reading the same headers and ring records with a
 * FileChannel; and, as auxiliary counters, the bytes read from the device and the heap the open
 * engine keeps.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class OpenBenchmark {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(65536, 65536, 65536, 0, 1));

    @Param({"1M", "128M", "4G"})
    String size;

    @Param({"empty", "full"})
    String fill;

    Path file;
    FileChannel baseline;
    ByteBuffer header = ByteBuffer.allocate(ZoneFormat.KMSG_TEXT_OFFSET).order(ByteOrder.LITTLE_ENDIAN);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        long bytes = org.pstore.api.ByteSize.parse(size);
        file = Partitions.newFile("open", bytes);
        if (fill.equals("full")) {
            Partitions.fill(file, CONFIG.layout());
        }
        baseline = FileChannel.open(file, StandardOpenOption.READ);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        baseline.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public int pstore() throws IOException {
        try (FileDevice device = FileDevice.open(file, true); ZoneEngine engine = ZoneEngine.open(device, CONFIG)) {
            return engine.kmsgZoneCount();
        }
    }

    /** What recovery must read: every zone's headers, and the ring records it will show. */
    @Benchmark
    public long baseline() throws IOException {
        long read = 0;
        ZoneLayout layout = CONFIG.layout();
        for (Zone ring : layout.ringZones()) {
            header.clear().limit(ZoneFormat.HEADER_SIZE);
            read += baseline.read(header, ring.offset());
            int datalen = header.getInt(ZoneFormat.OFF_DATALEN);
            if (header.getInt(0) == ring.signature() && datalen > 0 && datalen <= ring.capacity()) {
                read += baseline.read(ByteBuffer.allocate(datalen), ring.offset() + ZoneFormat.HEADER_SIZE);
            }
        }
        long zones = layout.kmsgCount(baseline.size());
        for (int i = 0; i < zones; i++) {
            read += baseline.read(header.clear(), layout.kmsgZoneOffset(i));
        }
        return read;
    }

    /**
     * Bytes read and heap kept by one open, and the kmsg records the open partition then lists
     * (counted after the heap was measured, as listing reads their text), reported per operation.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Footprint {
        public long bytesRead;
        public long heapKept;
        public long kmsgRecords;

        @Setup(Level.Iteration)
        public void reset() {
            bytesRead = 0;
            heapKept = 0;
            kmsgRecords = 0;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public ZoneEngine footprint(Footprint f) throws IOException {
        try (FileDevice file = FileDevice.open(this.file, true)) {
            long[] read = {0};
            StorageDevice counting = new ForwardingStorageDevice(file) {
                @Override
                public void read(long position, ByteBuffer dst) throws IOException {
                    read[0] += dst.remaining();
                    super.read(position, dst);
                }
            };
            long before = usedHeap();
            ZoneEngine engine = ZoneEngine.open(counting, CONFIG);
            long after = usedHeap();
            f.bytesRead = read[0];
            f.heapKept = after - before;
            f.kmsgRecords = engine.records().stream().filter(r -> r.type() == RecordType.DMESG).count();
            engine.close();
            return engine;
        }
    }

    static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
