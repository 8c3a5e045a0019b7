package org.pstore.driver.mmc;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The card's power, for fault injection: it goes now, or after a number of sector programs, and
 * stays gone until the image is opened again. Volatile, as the panic path may program without
 * the card's lock.
 */
final class MmcPowerSupply {

    private volatile long programsLeft = Long.MAX_VALUE;
    private volatile boolean lost;

    void cutAfterPrograms(long n) {
        programsLeft = n;
    }

    void cut() {
        lost = true;
    }

    boolean lost() {
        return lost;
    }

    /** Fails when the power is gone. */
    void check(Path card) throws IOException {
        if (lost) {
            throw new IOException(card + ": the card has no power");
        }
    }

    /** Whether one more sector program happens; when it does not, the power is gone. */
    boolean takeProgram() {
        if (programsLeft-- <= 0) {
            lost = true;
            return false;
        }
        return true;
    }
}
