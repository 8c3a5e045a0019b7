package org.pstore.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.pstore.api.BackendStatus;
import org.pstore.api.ByteSize;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.archive.ArchiveRun;
import org.pstore.api.archive.Crash;
import org.pstore.api.archive.CrashArchive;

/**
 * The crash archive as a service: runs whenever a backend becomes active (the registration's
 * {@code org/pstore/backend/SWAPPED} event, and at activation when one already is), on
 * {@link #archive()}, and posts {@link CrashArchive#TOPIC_ARCHIVED} for every crash. A reconfiguration
 * restarts the component with the new settings.
 */
@Component(immediate = true, configurationPid = ArchiveConfig.PID,
        service = {CrashArchive.class, EventHandler.class},
        property = EventConstants.EVENT_TOPIC + "=" + CrashArchiveComponent.SWAPPED)
@Designate(ocd = ArchiveConfig.class)
public class CrashArchiveComponent implements CrashArchive, EventHandler {

    static final String SWAPPED = "org/pstore/backend/SWAPPED";
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})([smhd]?)");

    private final Pstore pstore;
    private final PstoreRegistry registry;
    private final Logger logger;
    private final Archiver archiver;
    private final String kernelDir;
    private final ExecutorService runner;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** Problems already logged: each is logged once until a run no longer has it. */
    private final Set<String> logged = new HashSet<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    @Activate
    public CrashArchiveComponent(ArchiveConfig config, @Reference Pstore pstore, @Reference PstoreRegistry registry,
                                 @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL)
                                 Logger logger) {
        this.pstore = pstore;
        this.registry = registry;
        this.logger = logger;
        this.kernelDir = config.kernel_dir();
        this.archiver = new Archiver(Path.of(config.directory()), new NioArchiveFs(), config.unlink(),
                new Archiver.Limits(duration(config.max_age()), ByteSize.parse(config.max_bytes()), config.max_count()),
                Clock.systemUTC(), this::post);
        this.runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pstore archive");
            t.setDaemon(true);
            return t;
        });
        queueRun(); // a backend active before this component was: its event came too early
    }

    @Deactivate
    void deactivate() {
        runner.shutdownNow();
    }

    @Override
    public void handleEvent(Event event) {
        queueRun();
    }

    private void queueRun() {
        if (queued.compareAndSet(false, true)) {
            try {
                runner.execute(() -> {
                    queued.set(false);
                    try {
                        archive();
                    } catch (IOException e) {
                        // logged by archive()
                    }
                });
            } catch (RejectedExecutionException stopping) {
                queued.set(false);
            }
        }
    }

    @Override
    public Path directory() {
        return archiver.directory();
    }

    @Override
    public ArchiveRun archive() throws IOException {
        List<RecordSource> sources = new ArrayList<>();
        if (registry.status().active() != null) {
            sources.add(new PstoreSource(pstore, () -> {
                BackendStatus.Active active = registry.status().active();
                return active == null ? null : active.name();
            }));
        }
        kernelDir(kernelDir).ifPresent(d -> sources.add(new KernelDirSource(d))); // it may be mounted later
        try {
            ArchiveRun run = archiver.archive(sources);
            report(run.skipped());
            return run;
        } catch (IOException e) {
            String problem = "cannot archive into " + archiver.directory() + ": " + e.getMessage()
                    + "; the records stay on the partition until the next try";
            report(List.of(problem));
            throw new IOException(problem, e);
        }
    }

    @Override
    public List<Crash> crashes() throws IOException {
        return archiver.crashes();
    }

    @Override
    public Optional<Crash> crash(String id) throws IOException {
        return archiver.crash(id);
    }

    private void post(Crash crash) {
        EventAdmin admin = events;
        if (admin != null) {
            admin.postEvent(new Event(TOPIC_ARCHIVED, Map.of(EVENT_ID, crash.id(), EVENT_FOLDER, crash.folder().toString())));
        }
    }

    /** Logs each problem once, and again only after a run without it. */
    private void report(List<String> problems) {
        List<String> fresh;
        synchronized (logged) {
            logged.retainAll(problems);
            fresh = problems.stream().filter(logged::add).toList();
        }
        if (logger != null) {
            fresh.forEach(p -> logger.warn("pstore archive: {}", p));
        }
    }

    /** The configured folder when it exists and can be read; Linux's /sys/fs/pstore by default. */
    static Optional<Path> kernelDir(String configured) {
        if (configured == null || configured.isBlank()) {
            return Optional.empty();
        }
        Path d = Path.of(configured);
        return Files.isDirectory(d) && Files.isReadable(d) ? Optional.of(d) : Optional.empty();
    }

    /** A duration as {@code 0}, {@code 90s}, {@code 30m}, {@code 12h} or {@code 30d} (a bare number is seconds). */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (a number with an s, m, h or d suffix)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
