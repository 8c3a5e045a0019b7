package org.pstore.archive;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How a record archived before is recognised on a partition: by its name and the sha256 of its bytes.
 */
final class Fingerprints {

    private Fingerprints() {
    }

    /** One line of {@value CrashEviction#EVICTED}, whatever the name holds. */
    static String fingerprint(String name, String sha256) {
        return sha256 + " " + name.replaceAll("[\\r\\n]", "?");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
