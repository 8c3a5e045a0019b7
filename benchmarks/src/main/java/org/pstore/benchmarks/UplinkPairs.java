package org.pstore.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;

import org.pstore.uplink.UplinkClient;

/**
 * {@link UplinkBenchmark}'s comparison made fair to a shared, noisy machine: batches through the
 * uplink and through raw Paho alternate in one JVM (uplink first in even pairs, raw first in odd
 * ones), so both sides of a pair see the same load, and the figure is the median of the per-pair
 * ratios. Each side's time counts from the first ARCHIVED event (or publish) to the last crash marked
 * sent on disk (or the last PUBACK); its CPU time is the JVM's (every thread, GC and JIT included)
 * over the same span, with the share of each kind of thread. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar org.pstore.benchmarks.UplinkPairs [pairs] [warm-up pairs] [crashes]}.
 */
public final class UplinkPairs {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** One side's batches: wall and CPU nanoseconds, and CPU nanoseconds by kind of thread (summed). */
    private static final class Side {
        final List<Long> wall = new ArrayList<>();
        final List<Long> cpu = new ArrayList<>();
        final Map<String, Long> byThread = new TreeMap<>();
        long allocated;
    }

    public static void main(String[] args) throws Exception {
        int pairs = argument(args, 0, "pairs", 40, 1);
        int warmUp = argument(args, 1, "warm-up pairs", 50, 0); // the JIT needs ~10,000 crashes
        int crashes = argument(args, 2, "crashes", 200, 1);
        String loadBefore = loadAverage();
        Side uplink = new Side();
        Side raw = new Side();
        try (UplinkBatch batch = new UplinkBatch(crashes, 4000)) {
            for (int i = 0; i < warmUp + pairs; i++) {
                boolean counted = i >= warmUp;
                if (i % 2 == 0) {
                    viaUplink(batch, counted ? uplink : null);
                    viaRaw(batch, counted ? raw : null);
                } else {
                    viaRaw(batch, counted ? raw : null);
                    viaUplink(batch, counted ? uplink : null);
                }
            }
        }
        double[] ratios = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            ratios[i] = (double) uplink.wall.get(i) / raw.wall.get(i);
        }
        System.out.printf("%d pairs of batches of %d crashes (~8 KB of files each), %d in flight, after %d warm-up pairs;"
                + " load average (1, 5, 15 min) before: %s, after: %s%n", pairs, crashes, UplinkBatch.INFLIGHT, warmUp,
                loadBefore, loadAverage());
        report("uplink", uplink, crashes);
        report("raw Paho", raw, crashes);
        System.out.printf("uplink/raw time per pair: median %.2f (p10 %.2f, p90 %.2f, min %.2f, max %.2f)%n",
                Stats.median(ratios), Stats.quantile(ratios, 0.1), Stats.quantile(ratios, 0.9), Stats.min(ratios),
                Stats.max(ratios));
    }

    /** Argument {@code i}, a whole number of at least {@code min}, or {@code otherwise} when absent. */
    private static int argument(String[] args, int i, String name, int otherwise, int min) {
        if (args.length <= i) {
            return otherwise;
        }
        if (!args[i].matches("\\d{1,6}") || Integer.parseInt(args[i]) < min) {
            System.err.println("UplinkPairs: " + name + " must be a number of at least " + min + ", not '" + args[i]
                    + "'\nusage: UplinkPairs [pairs] [warm-up pairs] [crashes]");
            System.exit(2);
        }
        return Integer.parseInt(args[i]);
    }

    private static void viaUplink(UplinkBatch batch, Side side) throws Exception {
        UplinkClient client = batch.freshUplink();
        Snapshot s = Snapshot.take();
        batch.throughUplink(client);
        s.addTo(side);
        batch.closeUplink(client);
    }

    private static void viaRaw(UplinkBatch batch, Side side) throws Exception {
        Snapshot s = Snapshot.take();
        batch.throughRawPaho();
        s.addTo(side);
    }

    /** The JVM's clocks at the start of a batch. */
    private record Snapshot(long wall, long cpu, Map<Long, Long> threadCpu, long allocated) {
        static Snapshot take() {
            Map<Long, Long> perThread = new HashMap<>();
            long[] ids = THREADS.getAllThreadIds();
            for (long id : ids) {
                perThread.put(id, THREADS.getThreadCpuTime(id));
            }
            long allocated = Arrays.stream(THREADS.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
            return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), perThread, allocated);
        }

        /** Counts the span since this snapshot (threads that ended meanwhile are in the JVM's total only). */
        void addTo(Side side) {
            long wallNow = System.nanoTime();
            long cpuNow = OS.getProcessCpuTime();
            if (side == null) {
                return;
            }
            side.wall.add(wallNow - wall);
            side.cpu.add(cpuNow - cpu);
            long[] ids = THREADS.getAllThreadIds();
            side.allocated += Arrays.stream(THREADS.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum() - allocated;
            for (var t : THREADS.getThreadInfo(ids)) {
                if (t == null) {
                    continue;
                }
                long now = THREADS.getThreadCpuTime(t.getThreadId());
                long delta = now - threadCpu.getOrDefault(t.getThreadId(), 0L);
                if (now > 0 && delta > 0) {
                    side.byThread.merge(kind(t.getThreadName()), delta, Long::sum);
                }
            }
        }
    }

    /** A thread's name without the client or gateway id it carries. */
    private static String kind(String name) {
        if (name.equals("pstore-uplink-gw-bench")) {
            return "uplink sender";
        }
        return name.replaceAll("[-: ]*(gw-bench|gw-raw|pstore-uplink-gw-bench)$", "").replaceAll("[- #]*\\d+$", "");
    }

    private static void report(String name, Side side, int crashes) {
        double[] wallMillis = side.wall.stream().mapToDouble(nanos -> nanos / 1e6).toArray();
        double cpu = side.cpu.stream().mapToLong(Long::longValue).sum() / 1e3 / side.cpu.size() / crashes;
        int n = wallMillis.length;
        StringBuilder threads = new StringBuilder();
        side.byThread.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> threads.append(String.format("%s%s %.0f", threads.length() == 0 ? "" : ", ", e.getKey(),
                        e.getValue() / 1000.0 / n / crashes)));
        System.out.printf("%-8s time median %.1f ms (p10 %.1f, p90 %.1f); JVM CPU %.0f us a crash (mean; the process's"
                        + " clock ticks in 10 ms); allocated %.1f KB a crash%n", name, Stats.median(wallMillis),
                Stats.quantile(wallMillis, 0.1), Stats.quantile(wallMillis, 0.9), cpu, side.allocated / 1024.0 / n / crashes);
        System.out.printf("%-8s CPU us a crash by thread (mean): %s%n", "", threads);
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }
}
