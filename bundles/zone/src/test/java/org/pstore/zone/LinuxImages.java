package org.pstore.zone;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.pstore.api.DumpReason;

/**
 * The partition images a real Linux 6.1 kernel wrote under qemu, with what Linux showed for each
 * (test resources under {@code linux-images/}; its README says how they were made). Read from the
 * test classes folder, or, when another module has this module's test jar on its class path,
 * extracted once from the jar into a temporary folder.
 */
public final class LinuxImages {

    private static final String RESOURCE = "linux-images";
    private static final DateTimeFormatter LS_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss Z");
    private static Path folder;

    public record Expected(Path dir, ZoneConfig config, Map<String, String> sha256, Map<String, Instant> times) {
    }

    private LinuxImages() {
    }

    /** The folder that holds the images ({@code NAME.img}) and what Linux showed ({@code NAME/}). */
    public static synchronized Path folder() {
        if (folder == null) {
            URL readme = LinuxImages.class.getClassLoader().getResource(RESOURCE + "/README.md");
            if (readme == null) {
                throw new IllegalStateException("the Linux images are not on the class path (" + RESOURCE + "/)");
            }
            try {
                URI uri = readme.toURI();
                folder = "jar".equals(uri.getScheme()) ? extract(uri) : Path.of(uri).getParent();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return folder;
    }

    private static Path extract(URI readme) throws IOException {
        Path target = Files.createTempDirectory("pstore-linux-images");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(target)));
        try (FileSystem jar = FileSystems.newFileSystem(readme, Map.of());
             Stream<Path> entries = Files.walk(jar.getPath("/" + RESOURCE))) {
            for (Path entry : entries.toList()) {
                Path to = target.resolve(jar.getPath("/" + RESOURCE).relativize(entry).toString());
                if (Files.isDirectory(entry)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(entry, to);
                }
            }
        }
        return target;
    }

    private static void delete(Path tree) {
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }

    public static List<Path> all() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.filter(p -> p.toString().endsWith(".img")).sorted().toList();
        }
    }

    public static Expected expected(Path image) throws IOException {
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
