package org.pstore.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

/**
 * Hot-swap takeover inside Felix: the active file device's configuration is deleted, and the
 * standby becomes active and recovered. Timed from the deletion to the moment the registry names
 * the standby active (Configuration Admin's event, SCR's deactivation, flush, close, the standby's
 * recovery). The baseline is the time the same recovery takes on its own: opening the partition.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 10)
@Measurement(iterations = 30)
public class TakeoverBenchmark {

    @Param({"1M", "128M"})
    String size;

    Path dir;
    FelixHarness felix;
    Object[] configs = new Object[2];
    int active;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("takeover");
        felix = new FelixHarness(dir, Map.of("kmsg.size", "64K", "pmsg.size", "64K", "console.size", "64K"));
        configs[0] = felix.fileDevice(dir.resolve("d0.img"), size, "d0");
        await(() -> "d0".equals(felix.active()));
    }

    /** The other device comes back as the standby before each takeover. */
    @Setup(Level.Invocation)
    public void standby() throws Exception {
        int other = 1 - active;
        if (configs[other] == null) {
            configs[other] = felix.fileDevice(dir.resolve("d" + other + ".img"), size, "d" + other);
        }
        String name = "d" + other;
        await(() -> felix.standbys().contains(name));
    }

    @Benchmark
    public String takeover() throws Exception {
        felix.delete(configs[active]);
        configs[active] = null;
        active = 1 - active;
        String next = "d" + active;
        while (!next.equals(felix.active())) {
            Thread.onSpinWait();
        }
        return next;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        felix.close();
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(Check check) throws Exception {
        for (int i = 0; i < 2000 && !check.ok(); i++) {
            Thread.sleep(5);
        }
        if (!check.ok()) {
            throw new IllegalStateException("timed out in the takeover setup");
        }
    }
}
