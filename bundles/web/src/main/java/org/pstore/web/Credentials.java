package org.pstore.web;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The one user the web view knows, and the check of a request's {@code Authorization} header.
 * A password that is not configured is made at random once and kept in a file only its owner
 * can read, so that it survives restarts.
 */
final class Credentials {

    private final String username;
    private final byte[] expected;

    Credentials(String username, String password) {
        this.username = username;
        this.expected = ("Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(UTF_8)))
                .getBytes(UTF_8);
    }

    String username() {
        return username;
    }

    /** Whether the header carries exactly this user and password (compared in constant time). */
    boolean accepts(String authorization) {
        return authorization != null && MessageDigest.isEqual(expected, authorization.trim().getBytes(UTF_8));
    }

    /** The configured password, or the one kept in {@code file}, made there at first use. */
    static String password(String configured, Path file) throws IOException {
        if (!configured.isEmpty()) {
            return configured;
        }
        if (!Files.exists(file)) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            String made = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, made + "\n", UTF_8);
            try {
                Files.move(tmp, file); // never replaces a password another start made meanwhile
            } catch (FileAlreadyExistsException other) {
                Files.delete(tmp);
            }
        }
        String kept = Files.readString(file, UTF_8).trim();
        if (kept.isEmpty()) {
            throw new IOException(file + " holds no password");
        }
        return kept;
    }
}
