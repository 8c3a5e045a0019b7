package org.pstore.uplink;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition the way a test waits for something asynchronous. */
public final class Waiting {

    private Waiting() {
    }

    /** Waits until the condition holds; fails with {@code what} (and its value) after {@code millis}. */
    public static void until(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        until(what, millis, condition, () -> "");
    }

    public static void until(String what, long millis, BooleanSupplier condition, Supplier<Object> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + millis + " ms waiting for " + what + "; now: " + state.get());
            }
            Thread.sleep(20);
        }
    }
}
