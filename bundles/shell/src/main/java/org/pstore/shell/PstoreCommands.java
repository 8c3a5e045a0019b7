package org.pstore.shell;

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
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

/** The {@code pstore:} Gogo commands. */
@Component(service = PstoreCommands.class)
@GogoCommand(scope = "pstore", function = {"ls", "cat", "rm", "status", "oops", "panic", "pmsg"})
public class PstoreCommands {

    private final Pstore pstore;
    private final PstoreRegistry registry;
    private final BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile KmsgDumper dumper;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Pmsg pmsg;

    @Activate
    public PstoreCommands(@Reference Pstore pstore, @Reference PstoreRegistry registry, BundleContext context) {
        this.pstore = pstore;
        this.registry = registry;
        this.context = context;
    }

    @Descriptor("list the records: name, size in bytes, time (UTC)")
    public String ls() throws PstoreException {
        return format(pstore.records());
    }

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

    @Descriptor("the active backend, standbys, layout, zone use, dirty zones, counters")
    public String status() {
        BackendStatus s = registry.status();
        StringBuilder out = new StringBuilder()
                .append("active:      ").append(s.active() == null ? "(none)" : s.active()).append('\n')
                .append("standbys:    ").append(s.standbys().isEmpty() ? "(none)" : String.join(", ", s.standbys())).append('\n')
                .append("layout:      ").append(s.layout()).append('\n')
                .append("kmsg zones:  ").append(s.kmsgZones()).append('\n')
                .append("records:     ").append(s.records()).append('\n')
                .append("dirty zones: ").append(s.dirtyZones()).append('\n')
                .append("buffered:    ").append(s.bufferedWrites()).append('\n')
                .append("counters:    oops ").append(s.oopsCount()).append(", panic ").append(s.panicCount()).append('\n')
                .append("swaps:       ").append(s.swaps());
        if (!s.device().isEmpty()) {
            out.append("\ndevice:      ").append(s.device().replace("\t", " ").replace("\n", "\n             "));
        }
        s.problems().forEach(p -> out.append("\nproblem:     ").append(p));
        return out.toString();
    }

    @Descriptor("log a message and dump the recent log as an Oops record")
    public String oops(@Descriptor("message") String message) throws PstoreException {
        return "oops record: " + requireDumper().oops(message).name().toLowerCase();
    }

    @Descriptor("dump a Panic record through the panic path, then stop the framework with a non-zero status")
    public String panic(@Descriptor("message") String message) throws PstoreException {
        String result = "panic record: " + requireDumper().panic(message).name().toLowerCase();
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
    public String pmsg(@Descriptor("text") String text) throws PstoreException {
        Pmsg p = pmsg;
        if (p == null) {
            throw new PstoreException("no pmsg frontend");
        }
        return "pmsg: " + p.write((text + "\n").getBytes(StandardCharsets.UTF_8)).name().toLowerCase();
    }

    private KmsgDumper requireDumper() throws PstoreException {
        KmsgDumper d = dumper;
        if (d == null) {
            throw new PstoreException("no kmsg dumper");
        }
        return d;
    }
}
