package org.pstore.uplink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    /** MQTT 3.1.1: remaining length at most 268,435,455, minus the longest topic with its length and the packet id. */
    static final long MQTT_PAYLOAD_WITH_ANY_TOPIC = 268_435_455L - 2 - 65_535 - 2;

    @Test
    void aCrashWhoseMessageWouldExceedWhatMqttCarriesIsRefusedNamingIt() throws Exception {
        // {"id":"big","meta":null,"files":{"dmesg.txt":"<base64>"}}: the format's own bytes around the base64
        String head = "{\"id\":\"big\",\"meta\":null,\"files\":{\"dmesg.txt\":\"";
        String end = "\"}}";
        Path small = Files.createDirectories(archive.resolve("big"));
        Files.write(small.resolve("dmesg.txt"), new byte[10]);
        assertEquals(head.length() + 16 + end.length(), CrashMessage.read(small).toJson().length, "the format as written");
        // the fewest bytes whose message is one byte or more too long: 201 MB of files, 268 MB in base64
        long quanta = (MQTT_PAYLOAD_WITH_ANY_TOPIC - head.length() - end.length()) / 4 + 1;
        long size = 3 * quanta;
        assertTrue(head.length() + 4 * quanta + end.length() > MQTT_PAYLOAD_WITH_ANY_TOPIC);
        assertTrue(head.length() + 4 * (quanta - 1) + end.length() <= MQTT_PAYLOAD_WITH_ANY_TOPIC);
        try (RandomAccessFile f = new RandomAccessFile(small.resolve("dmesg.txt").toFile(), "rw")) {
            f.setLength(size); // sparse: the test writes nothing
        }
        IOException e = assertThrows(IOException.class, () -> CrashMessage.read(small));
        assertTrue(e.getMessage().contains("crash big is too large for one MQTT message"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(size)), "its size: " + e.getMessage());
    }

    @Test
    void aFolderTakenAwayWhileItIsReadIsNoCrash() throws Exception {
        Path folder = archive.resolve("c1");
        CrashFixtures.write(archive, "c1", 2000, 1);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            // what the archive's eviction does once the folder is open: out of sight, then its files go
            Path doomed = Files.move(folder, archive.resolve(".deleting-c1"));
            Files.delete(doomed.resolve("dmesg.txt"));
            assertThrows(NoSuchFileException.class, () -> CrashMessage.read(folder, entries),
                    "the rest of it is not the crash");
        }
    }

    @Test
    void aFolderReplacedUnderItsNameIsNotReadAsTheOldOne() throws Exception {
        Path folder = archive.resolve("c1");
        CrashFixtures.write(archive, "c1", 2000, 1);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            Files.move(folder, archive.resolve(".deleting-c1"));
            CrashFixtures.write(archive, "c1", 300, 2);
            assertThrows(NoSuchFileException.class, () -> CrashMessage.read(folder, entries));
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            assertEquals(300, CrashMessage.read(folder, entries).files().get("dmesg.txt").length, "left alone, it reads");
        }
    }
}
