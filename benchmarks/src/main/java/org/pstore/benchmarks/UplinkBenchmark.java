package org.pstore.benchmarks;

import java.util.concurrent.TimeUnit;

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
import org.pstore.uplink.UplinkClient;

/**
 * A batch of archived crashes through the uplink (read the folder, encode, publish QoS 1, wait for
 * the PUBACK, force the sent mark), against the baseline: raw Paho QoS 1 publishes of the same
 * payloads, already encoded, with the same number in flight, to the same Mosquitto in the same run
 * ({@link UplinkBatch}). One operation is the whole batch, from the first ARCHIVED event to the last
 * crash marked sent (or from the first publish to the last PUBACK). {@link UplinkPairs} measures the
 * same alternately in one JVM. Needs Debian's mosquitto.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 50) // the JIT needs ~10,000 crashes: fewer left the uplink's reading interpreted
@Measurement(iterations = 30)
public class UplinkBenchmark {

    @Param({"200"})
    int crashes;

    @Param({"4000"})
    int dmesgBytes;

    UplinkBatch batch;
    UplinkClient uplink;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        batch = new UplinkBatch(crashes, dmesgBytes);
    }

    @Setup(Level.Invocation)
    public void freshUplink() throws Exception {
        uplink = batch.freshUplink();
    }

    @Benchmark
    public long uplink() throws Exception {
        return batch.throughUplink(uplink);
    }

    @Benchmark
    public int rawPaho() throws Exception {
        return batch.throughRawPaho();
    }

    @TearDown(Level.Invocation)
    public void closeUplink() throws Exception {
        batch.closeUplink(uplink);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        batch.close();
    }
}
