package org.pstore.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration's values as people write them, and the clear error for the others. */
class ArchiveSettingsTest {

    @Test
    void durations() {
        assertEquals(Duration.ZERO, CrashArchiveComponent.duration("0"));
        assertEquals(Duration.ofSeconds(90), CrashArchiveComponent.duration("90"));
        assertEquals(Duration.ofSeconds(90), CrashArchiveComponent.duration("90s"));
        assertEquals(Duration.ofMinutes(30), CrashArchiveComponent.duration("30m"));
        assertEquals(Duration.ofHours(12), CrashArchiveComponent.duration("12H"));
        assertEquals(Duration.ofDays(30), CrashArchiveComponent.duration(" 30d "));
        for (String bad : new String[] {"", "d", "-1d", "1w", "ten days", "9999999999999d"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CrashArchiveComponent.duration(bad), bad);
            assertTrue(e.getMessage().contains("is not a duration"), e.getMessage());
        }
    }

    @Test
    void theKernelFolderOnlyWhenItCanBeRead(@TempDir Path tmp) throws Exception {
        assertEquals(Optional.empty(), CrashArchiveComponent.kernelDir(""));
        assertEquals(Optional.empty(), CrashArchiveComponent.kernelDir(tmp.resolve("missing").toString()));
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertEquals(Optional.empty(), CrashArchiveComponent.kernelDir(file.toString()));
        assertEquals(Optional.of(tmp), CrashArchiveComponent.kernelDir(tmp.toString()));
    }
}
