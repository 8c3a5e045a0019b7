package org.pstore.zone;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.pstore.api.DumpReason;

/**
 * The partition images a real Linux kernel wrote ({@code shared/linux-images}), with what Linux
 * showed for each. The folder comes from the system property {@code pstore.linux.images}.
 */
final class LinuxImages {

    private static final DateTimeFormatter LS_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss Z");

    record Expected(Path dir, ZoneConfig config, Map<String, String> sha256, Map<String, Instant> times) {
    }

    private LinuxImages() {
    }

    static Path folder() {
        String dir = System.getProperty("pstore.linux.images");
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException("the Linux images are not at '" + dir
                    + "' (system property pstore.linux.images; the build expects ../shared/linux-images)");
        }
        return Path.of(dir);
    }

    static List<Path> all() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.filter(p -> p.toString().endsWith(".img")).sorted().toList();
        }
    }

    static Expected expected(Path image) throws IOException {
        String base = image.getFileName().toString().replaceFirst("\\.img$", "");
        Path dir = image.resolveSibling(base);
        Properties params = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve("params.env"))) {
            params.load(r);
        }
        ZoneLayout layout = new ZoneLayout(kib(params, "kmsg_size"), kib(params, "pmsg_size"),
                kib(params, "console_size"), kib(params, "ftrace_size"),
                Integer.parseInt(params.getProperty("nr_cpus", "1").trim()));
        int maxReason = Integer.parseInt(params.getProperty("max_reason", String.valueOf(DumpReason.OOPS.code())).trim());
        Map<String, String> sha = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("files.txt"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3) {
                sha.put(f[0], f[2]);
            }
        }
        Map<String, Instant> times = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("listing.txt"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 9 && line.startsWith("-")) {
                String when = f[5] + " " + f[6] + " " + f[7];
                times.put(f[8], OffsetDateTime.parse(when, LS_TIME).toInstant());
            }
        }
        return new Expected(dir, new ZoneConfig(layout, maxReason, ZoneConfig.DEFAULT_BACKEND_NAME), sha, times);
    }

    private static long kib(Properties p, String key) {
        return Long.parseLong(p.getProperty(key, "0").trim()) * 1024;
    }
}
