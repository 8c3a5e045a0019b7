package org.pstore.driver.nand;

/**
 * A single-error-correcting, double-error-detecting code for one 512-byte ECC step: the XOR of
 * the indices of all set bits (12 bits) and the parity of all bits. One flipped bit changes the
 * parity and XORs its own index into the code, which names it.
 */
final class Ecc {

    enum Outcome { CLEAN, CORRECTED, UNCORRECTABLE }

    private static final int BITS = NandChip.ECC_STEP * 8;

    private Ecc() {
    }

    static int code(byte[] data, int offset) {
        int xor = 0;
        int parity = 0;
        for (int i = 0; i < NandChip.ECC_STEP; i++) {
            int b = data[offset + i] & 0xff;
            parity ^= Integer.bitCount(b) & 1;
            for (int bit = 0; b != 0; bit++, b >>>= 1) {
                if ((b & 1) != 0) {
                    xor ^= i * 8 + bit;
                }
            }
        }
        return parity << 16 | xor;
    }

    /** Compares the stored code with the data's; corrects a single flipped data bit in place. */
    static Outcome correct(byte[] data, int offset, int stored, int actual) {
        int diff = stored ^ actual;
        if (diff == 0) {
            return Outcome.CLEAN;
        }
        int index = diff & 0xffff;
        if ((diff >>> 16) == 1 && index < BITS) {
            data[offset + index / 8] ^= (byte) (1 << (index % 8));
            return Outcome.CORRECTED;
        }
        // the parity agrees but the indices do not: two bits flipped (or the code itself is damaged)
        return Outcome.UNCORRECTABLE;
    }
}
