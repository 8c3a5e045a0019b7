package org.pstore.web;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @TempDir
    Path dir;

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    }

    @Test
    void onlyTheExactUserAndPasswordPass() {
        Credentials c = new Credentials("pstore", "s3cret");
        assertTrue(c.accepts(basic("pstore", "s3cret")));
        assertFalse(c.accepts(null));
        assertFalse(c.accepts(""));
        assertFalse(c.accepts(basic("pstore", "s3cre")));
        assertFalse(c.accepts(basic("pstore", "s3cret ")));
        assertFalse(c.accepts(basic("admin", "s3cret")));
        assertFalse(c.accepts("Bearer s3cret"));
    }

    @Test
    void aConfiguredPasswordWritesNoFile() throws Exception {
        assertEquals("given", Credentials.password("given", dir.resolve("pw")));
        assertFalse(Files.exists(dir.resolve("pw")));
    }

    @Test
    void aMissingPasswordIsMadeOnceOwnerOnlyAndKept() throws Exception {
        Path file = dir.resolve("pstore-web.password");
        String first = Credentials.password("", file);
        assertTrue(first.length() >= 20, first);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(first, Files.readString(file, UTF_8).trim());
        assertEquals(first, Credentials.password("", file), "the next start reads the same one");
        Path other = dir.resolve("other.password");
        assertFalse(first.equals(Credentials.password("", other)), "random, not fixed");
    }
}
