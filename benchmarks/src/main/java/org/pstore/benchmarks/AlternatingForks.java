package org.pstore.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs each benchmark's {@code baseline} and {@code pstore} methods (and {@code pstoreCpu} where
 * the class has it) as single JMH forks, alternating them round after round, the order reversed
 * every other round. On a shared machine the disk's speed drifts over minutes; forks run side by
 * side see the same drift, where JMH's own {@code -f N} runs all forks of one method before the
 * next. Each fork runs 2 warm-up and 3 measured iterations of 1 s with {@code -prof gc} (the
 * README's options, in place of the classes' own annotations); its score is the mean of its
 * measured iterations.
 * <p>
 * Prints every fork's score as it comes, then per benchmark: the median and range of each
 * method's fork scores, and the median and range of the rounds' ratios pstore / baseline (each
 * round's two forks ran one right after the other).
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.pstore.benchmarks.AlternatingForks ROUNDS \
 *      KmsgWriteBenchmark:zoneSize=65536 PanicWriteBenchmark OpenBenchmark:size=4G,fill=full ...
 * </pre>
 */
public final class AlternatingForks {

    private static final String ALLOCATION = "gc.alloc.rate.norm";

    private AlternatingForks() {
    }

    /** One benchmark class with fixed parameters, e.g. {@code KmsgWriteBenchmark:zoneSize=4096}. */
    record Case(String benchmarkClass, Map<String, String> params) {

        static Case parse(String spec) {
            String[] parts = spec.split(":", 2);
            Map<String, String> params = new LinkedHashMap<>();
            if (parts.length == 2) {
                for (String p : parts[1].split(",")) {
                    String[] kv = p.split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("not name=value: '" + p + "' in " + spec);
                    }
                    params.put(kv[0], kv[1]);
                }
            }
            return new Case(parts[0], params);
        }

        List<String> methods() {
            boolean hasCpu = Arrays.stream(benchmarkType().getMethods()).anyMatch(m -> m.getName().equals("pstoreCpu"));
            return hasCpu ? List.of("baseline", "pstore", "pstoreCpu") : List.of("baseline", "pstore");
        }

        private Class<?> benchmarkType() {
            try {
                return Class.forName(AlternatingForks.class.getPackageName() + "." + benchmarkClass);
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("no benchmark " + benchmarkClass, e);
            }
        }

        @Override
        public String toString() {
            return params.isEmpty() ? benchmarkClass : benchmarkClass + " " + params;
        }
    }

    /** One fork's figures: its score (mean of its iterations) and its allocation per operation. */
    record Fork(double score, double bytesPerOp, String unit) {
    }

    private static final String USAGE = "usage: AlternatingForks ROUNDS BenchmarkClass[:param=value,...] ...";

    public static void main(String[] args) throws RunnerException {
        int rounds = 0;
        List<Case> cases = List.of();
        try {
            rounds = args.length < 2 || !args[0].matches("\\d{1,6}") ? 0 : Integer.parseInt(args[0]);
            if (rounds < 1) {
                throw new IllegalArgumentException(args.length < 2 ? "too few arguments"
                        : "ROUNDS must be a number of at least 1, not '" + args[0] + "'");
            }
            cases = Arrays.stream(args, 1, args.length).map(Case::parse).toList();
            cases.forEach(Case::methods); // an unknown class is refused before any fork runs
        } catch (IllegalArgumentException e) {
            System.err.println("AlternatingForks: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
        Map<Case, Map<String, List<Fork>>> forks = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (Case c : cases) {
                List<String> order = new ArrayList<>(c.methods());
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String method : order) {
                    Fork f = runFork(c, method);
                    forks.computeIfAbsent(c, k -> new LinkedHashMap<>()).computeIfAbsent(method, k -> new ArrayList<>()).add(f);
                    System.out.printf("round %d  %-45s %-9s %10.3f %s  %.2f B/op%n", round, c, method, f.score(), f.unit(), f.bytesPerOp());
                }
            }
        }
        System.out.println();
        System.out.println("| benchmark | method | median of forks (range) | B/op median (range) | pstore / baseline per round: median (range) |");
        System.out.println("|---|---|---|---|---|");
        forks.forEach((c, byMethod) -> {
            List<Fork> base = byMethod.get("baseline");
            List<Fork> ours = byMethod.get("pstore");
            double[] ratios = new double[base.size()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = ours.get(i).score() / base.get(i).score();
            }
            byMethod.forEach((method, list) -> {
                double[] scores = list.stream().mapToDouble(Fork::score).toArray();
                double[] bytes = list.stream().mapToDouble(Fork::bytesPerOp).toArray();
                String ratio = method.equals("pstore") ? String.format("%.3f (%.3f–%.3f)", Stats.median(ratios), Stats.min(ratios), Stats.max(ratios)) : "";
                System.out.printf("| %s | %s | %.3f %s (%.3f–%.3f) | %.2f (%.2f–%.2f) | %s |%n", c, method, Stats.median(scores), list.get(0).unit(),
                        Stats.min(scores), Stats.max(scores), Stats.median(bytes), Stats.min(bytes), Stats.max(bytes), ratio);
            });
        });
    }

    private static Fork runFork(Case c, String method) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("\\." + c.benchmarkClass() + "\\." + method + "$")
                .forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .addProfiler(GCProfiler.class)
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true);
        c.params().forEach(options::param);
        RunResult result = new Runner(options.build()).runSingle();
        Result<?> primary = result.getPrimaryResult();
        Result<?> allocation = result.getSecondaryResults().get(ALLOCATION);
        return new Fork(primary.getScore(), allocation == null ? Double.NaN : allocation.getScore(), primary.getScoreUnit());
    }
}
