package org.pstore.driver.nand;

import java.nio.ByteBuffer;

/**
 * A page's ECC in its OOB: one {@link Ecc} code of 4 bytes per 512-byte step, from OOB byte
 * {@link NandImageFormat#OOB_ECC} on (byte 0 being the bad-block marker).
 */
final class NandPageEcc {

    private NandPageEcc() {
    }

    /** Puts the codes of the page {@code data} into {@code oob} (little-endian); allocates nothing. */
    static void encode(byte[] data, ByteBuffer oob) {
        for (int s = 0; s < data.length / NandChip.ECC_STEP; s++) {
            oob.putInt(NandImageFormat.OOB_ECC + 4 * s, Ecc.code(data, s * NandChip.ECC_STEP));
        }
    }

    /** Corrects the page {@code data} in place with the codes in {@code oob}; what it met. */
    static NandChip.ReadResult correct(byte[] data, ByteBuffer oob) {
        int fixed = 0;
        int broken = 0;
        for (int s = 0; s < data.length / NandChip.ECC_STEP; s++) {
            int stored = oob.getInt(NandImageFormat.OOB_ECC + 4 * s);
            int actual = Ecc.code(data, s * NandChip.ECC_STEP);
            switch (Ecc.correct(data, s * NandChip.ECC_STEP, stored, actual)) {
                case CORRECTED -> fixed++;
                case UNCORRECTABLE -> broken++;
                default -> { }
            }
        }
        return new NandChip.ReadResult(fixed, broken);
    }
}
