package org.pstore.zone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.driver.file.FileDevice;

/** Every partition image a real Linux kernel wrote: the same names, times and bytes as Linux showed. */
class LinuxImagesTest {

    static Stream<Path> images() throws IOException {
        return LinuxImages.all().stream();
    }

    @ParameterizedTest
    @MethodSource("images")
    void readsWhatLinuxShowed(Path image) throws Exception {
        LinuxImages.Expected expected = LinuxImages.expected(image);
        try (FileDevice device = FileDevice.open(image, true);
             ZoneEngine engine = ZoneEngine.open(device, expected.config())) {
            List<PstoreRecord> records = engine.records();
            assertEquals(expected.sha256().keySet(),
                    records.stream().map(PstoreRecord::name).collect(Collectors.toSet()), "names");
            for (PstoreRecord r : records) {
                byte[] bytes = engine.read(r.name());
                assertEquals(expected.sha256().get(r.name()), sha256(bytes), r.name() + " sha256");
                assertEquals(bytes.length, r.size(), r.name() + " size");
                assertArrayEquals(Files.readAllBytes(expected.dir().resolve("files").resolve(r.name())), bytes);
                if (r.type() == RecordType.DMESG) {
                    // ring records carry no time: Linux shows the mount time, we the open time
                    assertEquals(expected.times().get(r.name()), r.time().truncatedTo(ChronoUnit.SECONDS), r.name() + " time");
                }
            }
            assertTrue(engine.problems().isEmpty(), engine.problems().toString());
        }
    }

    static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
