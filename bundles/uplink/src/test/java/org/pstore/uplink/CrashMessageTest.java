package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CrashMessageTest {

    @TempDir
    Path archive;

    @Test
    void aFolderTravelsByteForByte() throws Exception {
        Map<String, byte[]> files = CrashFixtures.write(archive, "2026-11-28T10:00:00Z-Oops-1", 5000, 7);
        Files.write(archive.resolve("2026-11-28T10:00:00Z-Oops-1/.partial"), new byte[3]); // not a file of the crash
        CrashMessage back = CrashMessage.parse(CrashMessage.read(archive.resolve("2026-11-28T10:00:00Z-Oops-1")).toJson());
        assertEquals("2026-11-28T10:00:00Z-Oops-1", back.id());
        assertEquals(files.keySet(), back.files().keySet());
        files.forEach((name, bytes) -> assertArrayEquals(bytes, back.files().get(name), name));
        assertTrue(back.metaJson().contains("\"reason\":\"Oops\""));
    }

    @Test
    void aMetaThatIsNotAnObjectTravelsAsNullAndStillAsItsFile() throws Exception {
        Path folder = Files.createDirectories(archive.resolve("c1"));
        Files.writeString(folder.resolve("meta.json"), "{broken");
        CrashMessage back = CrashMessage.parse(CrashMessage.read(folder).toJson());
        assertNull(back.metaJson());
        assertEquals("{broken", new String(back.files().get("meta.json"), StandardCharsets.UTF_8));
        CrashMessage empty = CrashMessage.parse(CrashMessage.read(Files.createDirectories(archive.resolve("c2"))).toJson());
        assertEquals("c2", empty.id());
        assertTrue(empty.files().isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json at all                                           | not JSON",
        "[1]                                                       | not a JSON object",
        "{\"files\":{}}                                            | id is missing",
        "{\"id\":\"../up\",\"files\":{}}                           | not a safe name",
        "{\"id\":\".hidden\",\"files\":{}}                         | not a safe name",
        "{\"id\":\"c1\",\"meta\":3,\"files\":{}}                   | meta is not a JSON object",
        "{\"id\":\"c1\"}                                           | files is missing",
        "{\"id\":\"c1\",\"files\":{\"../../etc/passwd\":\"AA==\"}} | not a safe name",
        "{\"id\":\"c1\",\"files\":{\"a\":\"%%%\"}}                 | not base64",
        "{\"id\":\"c1\",\"files\":{\"a\":5}}                       | not a base64 string",
    })
    void malformedMessagesSayWhy(String json, String reason) {
        MalformedCrashException e = assertThrows(MalformedCrashException.class,
                () -> CrashMessage.parse(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void deepNestingIsMalformedToo() {
        assertThrows(MalformedCrashException.class,
                () -> CrashMessage.parse("{\"id\":\"c\",\"meta\":".concat("[".repeat(200_000)).getBytes(StandardCharsets.UTF_8)));
    }
}
