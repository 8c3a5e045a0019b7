package org.pstore.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void theMedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertEquals(2.0, Stats.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
        assertEquals(7.0, Stats.median(new double[] {7}));
    }

    @Test
    void quantilesInterpolateBetweenRanksAndTheEndsAreMinAndMax() {
        double[] tens = {100, 0, 50, 10, 90, 20, 80, 30, 70, 40, 60}; // 0 to 100 in steps of 10, shuffled
        assertEquals(10.0, Stats.quantile(tens, 0.1), 1e-9);
        assertEquals(90.0, Stats.quantile(tens, 0.9), 1e-9);
        assertEquals(Stats.median(tens), Stats.quantile(tens, 0.5));
        double[] four = {10, 20, 30, 40};
        assertEquals(13.0, Stats.quantile(four, 0.1), 1e-9); // rank 0.3: 10 + 0.3 * (20 - 10)
        assertEquals(37.0, Stats.quantile(four, 0.9), 1e-9);
        assertEquals(10.0, Stats.min(four));
        assertEquals(40.0, Stats.max(four));
        assertEquals(100.0, tens[0], "the values are left as they were");
    }
}
