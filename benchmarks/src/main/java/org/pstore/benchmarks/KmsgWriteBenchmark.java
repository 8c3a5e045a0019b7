package org.pstore.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
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
 * A kmsg record written through the engine and the file device, against the physical baseline:
 * the same zone image written at the same offsets of the same file with a plain FileChannel, then
 * forced.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class KmsgWriteBenchmark {

    static final int ZONES = 64;

    @Param({"4096", "65536"})
    int zoneSize;

    FileDevice device;
    ZoneEngine engine;
    /** The same engine over a device that moves no byte: the CPU work of our path alone. */
    ZoneEngine cpuEngine;
    byte[] text;
    FileChannel baseline;
    ByteBuffer zoneImage;
    int next;

    @Setup
    public void setUp() throws IOException {
        ZoneConfig config = ZoneConfig.of(ZoneLayout.kmsgOnly(zoneSize));
        device = FileDevice.open(Partitions.newFile("kmsg", (long) zoneSize * ZONES), false);
        engine = ZoneEngine.open(device, config);
        cpuEngine = ZoneEngine.open(new CpuOnlyDevice(device), config);
        text = "<4>[   12.345678] a kernel log line of ordinary length, sixty-odd bytes\n"
                .repeat(zoneSize / 2 / 72).getBytes();
        engine.dump(DumpReason.OOPS, text, false);
        // the baseline writes exactly what the engine wrote, its zone image read back, from direct memory
        zoneImage = ByteBuffer.allocateDirect(zoneSize);
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
        Files.deleteIfExists(device.path());
    }

    @Benchmark
    public WriteStatus pstore() throws IOException {
        return engine.dump(DumpReason.OOPS, text, false);
    }

    @Benchmark
    public WriteStatus pstoreCpu() throws IOException {
        return cpuEngine.dump(DumpReason.OOPS, text, false);
    }

    @Benchmark
    public int baseline() throws IOException {
        return Baseline.write(baseline, zoneImage.clear(), (long) (next++ % ZONES) * zoneSize);
    }
}
