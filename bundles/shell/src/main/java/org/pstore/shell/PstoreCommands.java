package org.pstore.shell;

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.pstore.api.BackendStatus;
import org.pstore.api.KmsgDumper;
import org.pstore.api.Pmsg;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.DeviceFigures;

/** The {@code pstore:} Gogo commands. */
@Component(service = PstoreCommands.class)
@GogoCommand(scope = "pstore", function = {"ls", "cat", "rm", "status", "oops", "panic", "pmsg"})
public class PstoreCommands {

    private final Pstore pstore;
    private final PstoreRegistry registry;
    private final BundleContext context;

    private volatile KmsgDumper dumper;
    private volatile Pmsg pmsg;

    @Activate
    public PstoreCommands(@Reference Pstore pstore, @Reference PstoreRegistry registry, BundleContext context) {
        this.pstore = pstore;
        this.registry = registry;
        this.context = context;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindDumper(KmsgDumper d) {
        dumper = d;
    }

    void unbindDumper(KmsgDumper d) {
        if (dumper == d) {
            dumper = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindPmsg(Pmsg p) {
        pmsg = p;
    }

    void unbindPmsg(Pmsg p) {
        if (pmsg == p) {
            pmsg = null;
        }
    }

    @Descriptor("list the records: name, size in bytes, time (UTC)")
    public String ls() throws PstoreException {
        List<PstoreRecord> records = pstore.records();
        return records.isEmpty() ? "no records" : format(records);
    }

    /** One line per record: name, size in bytes, time (UTC, to the second). */
    static String format(List<PstoreRecord> records) {
        return records.stream().map(r -> r.name() + "\t" + r.size() + "\t"
                + DateTimeFormatter.ISO_INSTANT.format(r.time().truncatedTo(ChronoUnit.SECONDS)))
                .collect(Collectors.joining("\n"));
    }

    @Descriptor("show a record as Linux shows it")
    public String cat(@Descriptor("record name") String name) throws PstoreException {
        return new String(pstore.read(name), StandardCharsets.UTF_8);
    }

    @Descriptor("erase a record")
    public String rm(@Descriptor("record name") String name) throws PstoreException {
        pstore.erase(name);
        return "erased " + name;
    }

    @Descriptor("the active backend, standbys, layout, zone use, dirty zones, counters, device figures")
    public String status() {
        return format(registry.status());
    }

    static String format(BackendStatus s) {
        BackendStatus.Layout l = s.layout();
        StringBuilder out = new StringBuilder()
                .append("active:      ").append(s.active() == null ? "(none)" : s.active().name()).append('\n')
                .append("standbys:    ").append(s.standbys().isEmpty() ? "(none)" : String.join(", ", s.standbys())).append('\n')
                .append("layout:      kmsg ").append(l.kmsgSize()).append(", pmsg ").append(l.pmsgSize())
                .append(", console ").append(l.consoleSize()).append(", ftrace ").append(l.ftraceSize())
                .append(" over ").append(l.cpus()).append(" CPU(s), max reason ").append(l.maxReason()).append('\n');
        BackendStatus.Active a = s.active();
        if (a != null) {
            out.append("kmsg zones:  ").append(a.kmsgZones()).append('\n')
                    .append("records:     ").append(a.records()).append('\n')
                    .append("dirty zones: ").append(a.dirtyZones()).append('\n')
                    .append("counters:    oops ").append(a.oopsCount()).append(", panic ").append(a.panicCount()).append('\n');
        }
        out.append("buffered:    ").append(s.bufferedWrites()).append('\n')
                .append("swaps:       ").append(s.swaps());
        if (a != null && !a.device().isEmpty()) {
            DeviceFigures d = a.device();
            out.append("\ndevice:      ").append(join(d.figures()));
            d.parts().forEach(p -> out.append("\n             ").append(p.name()).append(' ').append(join(p.figures())));
        }
        s.problems().forEach(p -> out.append("\nproblem:     ").append(p));
        return out.toString();
    }

    private static String join(List<DeviceFigures.Figure> figures) {
        return figures.stream().map(DeviceFigures.Figure::toString).collect(Collectors.joining(" "));
    }

    @Descriptor("log a message and dump the recent log as an Oops record")
    public String oops(@Descriptor("message, the rest of the line") String... words) throws PstoreException {
        return "oops record: " + lower(requireDumper().oops(text(words)));
    }

    @Descriptor("dump a Panic record through the panic path, then stop the framework with a non-zero status")
    public String panic(@Descriptor("message, the rest of the line") String... words) throws PstoreException {
        String result = "panic record: " + lower(requireDumper().panic(text(words)));
        Thread halt = new Thread(() -> {
            try {
                context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).stop();
            } catch (BundleException | IllegalStateException e) {
                // already stopping
            }
        }, "pstore panic");
        halt.start();
        return result;
    }

    @Descriptor("write an application message to pmsg")
    public String pmsg(@Descriptor("text, the rest of the line") String... words) throws PstoreException {
        Pmsg p = pmsg;
        if (p == null) {
            throw new PstoreException("no pmsg frontend");
        }
        return "pmsg: " + lower(p.write((text(words) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    /** The words as typed, one space apart: {@code pstore:pmsg hello from app} needs no quotes. */
    private static String text(String[] words) {
        return String.join(" ", words);
    }

    private static String lower(WriteStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    private KmsgDumper requireDumper() throws PstoreException {
        KmsgDumper d = dumper;
        if (d == null) {
            throw new PstoreException("no kmsg dumper");
        }
        return d;
    }
}
