package org.pstore.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pstore.api.DumpReason;
import org.pstore.api.WriteStatus;
import org.pstore.driver.file.FileDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/**
 * The panic path through the engine and the file device, against the baseline: the same 64 KiB
 * zone image written into the same file with a FileChannel from a direct buffer, then forced. Run with
 * {@code -prof gc} for the bytes allocated per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PanicWriteBenchmark {

    static final int ZONE = 65536;
    static final int ZONES = 32;

    FileDevice device;
    ZoneEngine engine;
    /** The same engine over a device that moves no byte: the CPU work of our path alone. */
    ZoneEngine cpuEngine;
    ByteBuffer text;
    FileChannel baseline;
    ByteBuffer zoneImage;
    int next;

    @Setup
    public void setUp() throws IOException {
        device = FileDevice.open(Partitions.newFile("panic", (long) ZONE * ZONES), false);
        engine = ZoneEngine.open(device, ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE)));
        cpuEngine = ZoneEngine.open(new CpuOnlyDevice(device), ZoneConfig.of(ZoneLayout.kmsgOnly(ZONE)));
        text = ByteBuffer.wrap(("Panic#1 Part1\n" + "<0>[   99.000001] Kernel panic - not syncing: stack frame\n"
                .repeat(500)).getBytes());
        engine.panicDump(DumpReason.PANIC, text, false);
        zoneImage = ByteBuffer.allocateDirect(ZONE);
        device.read(0, zoneImage);
        // the partition's own file: two files made alike differ by up to a tenth in this VM's disk
        baseline = FileChannel.open(device.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @TearDown
    public void tearDown() throws IOException {
        cpuEngine.close();
        engine.close();
        device.close();
        baseline.close();
    }

    @Benchmark
    public WriteStatus pstore() throws IOException {
        return engine.panicDump(DumpReason.PANIC, text, false);
    }

    @Benchmark
    public WriteStatus pstoreCpu() throws IOException {
        return cpuEngine.panicDump(DumpReason.PANIC, text, false);
    }

    @Benchmark
    public int baseline() throws IOException {
        return Baseline.write(baseline, zoneImage.clear(), (long) (next++ % ZONES) * ZONE);
    }
}
