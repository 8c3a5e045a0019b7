package org.pstore.benchmarks;

import java.util.Arrays;

/**
 * The statistics the harnesses print, computed one way: a quantile is interpolated linearly between
 * the two closest ranks of the sorted values, so the 0.5 quantile is the true median (the middle
 * value, or the mean of the two middle ones for an even count), and min and max are the 0 and 1
 * quantiles.
 */
final class Stats {

    private Stats() {
    }

    static double median(double[] values) {
        return quantile(values, 0.5);
    }

    /** The {@code q} quantile (0 to 1) of the values, which need not be sorted. */
    static double quantile(double[] values, double q) {
        if (values.length == 0 || q < 0 || q > 1) {
            throw new IllegalArgumentException("a quantile from 0 to 1 of at least one value, not " + q + " of "
                    + values.length);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        double rank = q * (v.length - 1);
        int below = (int) Math.floor(rank);
        int above = (int) Math.ceil(rank);
        return v[below] + (v[above] - v[below]) * (rank - below);
    }

    static double min(double[] values) {
        return quantile(values, 0);
    }

    static double max(double[] values) {
        return quantile(values, 1);
    }
}
