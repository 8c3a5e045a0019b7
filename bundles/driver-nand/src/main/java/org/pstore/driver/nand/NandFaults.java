package org.pstore.driver.nand;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * The chip's injected faults: a power cut after a number of program or erase steps, which stays
 * until the image is opened again, and blocks whose programs or erases fail as worn blocks' do.
 * Guarded by the chip's lock (or used by the panic path that could not get it).
 */
final class NandFaults {

    private final BitSet failProgram = new BitSet();
    private final BitSet failErase = new BitSet();
    private volatile long stepsLeft = Long.MAX_VALUE;
    private volatile boolean powerLost;

    void cutPowerAfterSteps(long n) {
        stepsLeft = n;
    }

    /** Counts a program or erase step; false when the power goes during it, which cuts it short. */
    boolean takeStep() {
        return stepsLeft-- > 0;
    }

    void losePower() {
        powerLost = true;
    }

    boolean powerLost() {
        return powerLost;
    }

    void checkPower(Path chip) throws IOException {
        if (powerLost) {
            throw new IOException(chip + ": the chip has no power");
        }
    }

    void failPrograms(int block) {
        failProgram.set(block);
    }

    void failErases(int block) {
        failErase.set(block);
    }

    boolean programFails(int block) {
        return failProgram.get(block);
    }

    boolean eraseFails(int block) {
        return failErase.get(block);
    }
}
