package org.pstore.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
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
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.driver.file.FileDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.internal.ZoneFormat;
import org.pstore.zone.ZoneLayout;

/**
 * A 100-byte line appended to the pmsg or console ring, against the baseline: the same 100 bytes
 * at the same ring position and the same 12-byte header at the zone's start, each written with a
 * FileChannel and forced, as the engine does (data first, header last).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AppendBenchmark {

    static final int RING = 65536;
    static final int CAPACITY = RING - ZoneFormat.HEADER_SIZE;

    @Param({"PMSG", "CONSOLE"})
    RecordType type;

    FileDevice device;
    ZoneEngine engine;
    /** The same engine over a device that moves no byte: the CPU work of our path alone. */
    ZoneEngine cpuEngine;
    byte[] line;
    FileChannel baseline;
    long zoneOffset;
    ByteBuffer lineBuffer;
    /** The baseline's bytes come from direct memory, so the JDK copies nothing. */
    ByteBuffer header = ByteBuffer.allocateDirect(ZoneFormat.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    int start;
    boolean wrapped;

    @Setup
    public void setUp() throws IOException {
        ZoneConfig config = ZoneConfig.of(new ZoneLayout(4096, RING, RING, 0, 1));
        device = FileDevice.open(Partitions.newFile("ring", 1 << 20), false);
        engine = ZoneEngine.open(device, config);
        cpuEngine = ZoneEngine.open(new CpuOnlyDevice(device), config);
        line = ("<6>[   12.345678] " + "x".repeat(81) + "\n").getBytes();
        lineBuffer = ByteBuffer.allocateDirect(line.length).put(line);
        zoneOffset = type == RecordType.PMSG ? 0 : RING;
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
        return engine.append(type, line);
    }

    @Benchmark
    public WriteStatus pstoreCpu() throws IOException {
        return cpuEngine.append(type, line);
    }

    @Benchmark
    public int baseline() throws IOException {
        if (start + line.length > CAPACITY) {
            // the rare wrap: the line in two pieces, as the engine writes it
            int first = CAPACITY - start;
            Baseline.write(baseline, lineBuffer.clear().limit(first), zoneOffset + ZoneFormat.HEADER_SIZE + start);
            Baseline.write(baseline, lineBuffer.limit(line.length), zoneOffset + ZoneFormat.HEADER_SIZE);
            start = line.length - first;
            wrapped = true;
        } else {
            Baseline.write(baseline, lineBuffer.clear(), zoneOffset + ZoneFormat.HEADER_SIZE + start);
            start += line.length;
        }
        ZoneFormat.putHeader(header.clear(), 0, ZoneFormat.signature(type), wrapped ? CAPACITY : start, start);
        Baseline.write(baseline, header, zoneOffset);
        return start;
    }
}
