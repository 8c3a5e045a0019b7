package org.pstore.tool;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.pstore.api.ByteSize;
import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.DeviceFigures;
import org.pstore.api.device.StorageDevice;
import org.pstore.driver.file.FileDevice;
import org.pstore.driver.mmc.MmcCard;
import org.pstore.driver.mmc.MmcDevice;
import org.pstore.driver.mmc.MmcImages;
import org.pstore.driver.nand.NandChip;
import org.pstore.driver.nand.NandImages;
import org.pstore.driver.nand.NandPstoreDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneInfo;
import org.pstore.zone.ZoneLayout;

/**
 * pstore-tool: lists, reads, erases and writes the records of a pstore/blk partition from the
 * command line. Errors are one line on standard error and exit status 2, the device untouched.
 */
public final class PstoreTool {

    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 2;

    private static final String USAGE = String.join("\n",
            "usage: pstore-tool --device PATH [OPTIONS] COMMAND [ARGS]",
            "options:  --device PATH            (required) the partition: image file or block device,",
            "                                   or mmc:PATH for the pstore partition of an MMC card image,",
            "                                   or nand:PATH for kmsg zones on a NAND chip image",
            "          --size S                 create the image file at this size when missing (write only)",
            "          --kmsg-size S            default 64K",
            "          --pmsg-size S  --console-size S  --ftrace-size S    default 0 (disabled)",
            "          --cpus N                 CPUs the ftrace area is split over, default 1",
            "          --max-reason R           default 2 (oops and panic)",
            "          --backend-name NAME      middle part of record names, default pstore_blk",
            "          S is a byte count with an optional K or M suffix",
            "commands: ls          one line per record: name TAB size TAB time (ISO-8601, UTC)",
            "          cat NAME    the record's bytes, exactly as Linux shows them",
            "          rm NAME     erase the record as Linux does",
            "          write dmesg|pmsg|console [--reason panic|oops|emerg|shutdown] [--compress]",
            "                      standard input becomes one record",
            "          info        the layout: every zone's type, offset, size and header fields",
            "          format      create the device: an image file (--size S), or an MMC card image",
            "                      (--card-size S [--partition-offset S] [--partition-size S] [--erased 0x00|0xff]),",
            "                      or a NAND chip image (--blocks N [--page-size 2048|4096] [--oob-size N]",
            "                      [--pages-per-block N] [--bad-blocks B,B,...])",
            "       pstore-tool collect --broker URI --dir DIR [--username U --password P] [--group NAME]",
            "                      every gateway's crashes from an MQTT broker into DIR, until Ctrl-C",
            "                      (pstore-tool collect --help for the details)");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    PstoreTool(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("collect")) { // the fleet's collector: its own options, runs until Ctrl-C
            org.pstore.collector.CollectCommand.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.exit(new PstoreTool(System.in, System.out, System.err).run(args));
    }

    /** Runs one command; returns the exit status. */
    int run(String[] args) {
        try {
            Invocation inv = Invocation.parse(args);
            execute(inv);
            out.flush();
            return EXIT_OK;
        } catch (UsageException e) {
            err.println("pstore-tool: " + e.getMessage() + " (pstore-tool --help for usage)");
        } catch (HelpRequested e) {
            out.println(USAGE);
            return EXIT_OK;
        } catch (IOException | IllegalArgumentException e) {
            err.println("pstore-tool: " + e.getMessage());
        }
        return EXIT_ERROR;
    }

    private void execute(Invocation inv) throws IOException {
        if (inv.command.equals("format")) {
            format(inv);
            return;
        }
        boolean writes = inv.command.equals("write") || inv.command.equals("rm");
        // a failure of the command is the one reported; a failing close is added to it, never hides it
        try (StorageDevice device = openDevice(inv, writes); ZoneEngine engine = ZoneEngine.open(device, inv.config)) {
            switch (inv.command) {
                case "ls" -> list(engine);
                case "cat" -> out.write(engine.read(inv.argument));
                case "rm" -> engine.erase(inv.argument);
                case "write" -> write(engine, inv);
                case "info" -> info(engine);
                default -> throw new IllegalStateException("unparsed command " + inv.command);
            }
        }
    }

    private static final String MMC = "mmc:";
    private static final String NAND = "nand:";

    private static StorageDevice openDevice(Invocation inv, boolean writes) throws PstoreException {
        if (inv.device.startsWith(NAND)) {
            ZoneLayout l = inv.config.layout();
            if (l.pmsgSize() > 0 || l.consoleSize() > 0 || l.ftraceSize() > 0) {
                throw new PstoreException("NAND holds kmsg zones only, as mtdpstore: no --pmsg-size, --console-size"
                        + " or --ftrace-size");
            }
            return NandPstoreDevice.open(NandChip.open(Path.of(inv.device.substring(NAND.length())), !writes),
                    inv.device, (int) l.kmsgSize());
        }
        if (inv.device.startsWith(MMC)) {
            Path path = Path.of(inv.device.substring(MMC.length()));
            return new MmcDevice(MmcCard.open(path, !writes), inv.device);
        }
        Path path = Path.of(inv.device);
        if (inv.size > 0 && writes && inv.command.equals("write") && !Files.exists(path)) {
            inv.config.layout().validate(inv.size); // refuse before a file is created
            return FileDevice.openOrCreate(path, inv.size);
        }
        return FileDevice.open(path, !writes);
    }

    /** Creates a device image: an MMC card with its partition, or a file of zeros. Never overwrites. */
    private void format(Invocation inv) throws IOException {
        if (inv.device.startsWith(NAND)) {
            if (inv.blocks == null) {
                throw new PstoreException("format of a NAND image needs --blocks");
            }
            NandImages.format(Path.of(inv.device.substring(NAND.length())), inv.pageSize, inv.oobSize,
                    inv.pagesPerBlock, inv.blocks, inv.badBlocks).close();
        } else if (inv.device.startsWith(MMC)) {
            if (inv.cardSize == null) {
                throw new PstoreException("format of an MMC image needs --card-size");
            }
            MmcImages.format(Path.of(inv.device.substring(MMC.length())), inv.cardSize, inv.partitionOffset,
                    inv.partitionSize, inv.erased).close();
        } else {
            Path path = Path.of(inv.device);
            if (inv.size <= 0) {
                throw new PstoreException("format of an image file needs --size");
            }
            if (Files.exists(path)) {
                throw new PstoreException(path + " exists: format never overwrites a device");
            }
            inv.config.layout().validate(inv.size);
            FileDevice.openOrCreate(path, inv.size).close();
        }
    }

    private void list(ZoneEngine engine) throws PstoreException {
        for (PstoreRecord r : engine.records()) {
            out.println(r.name() + "\t" + r.size() + "\t" + TIME.format(r.time().truncatedTo(ChronoUnit.SECONDS)));
        }
    }

    private void write(ZoneEngine engine, Invocation inv) throws IOException {
        byte[] bytes = in.readAllBytes();
        WriteStatus status;
        if (inv.recordType == RecordType.DMESG) {
            status = engine.dump(inv.reason, newestThatFits(bytes, engine.dumpCapacity(inv.compress)), inv.compress);
        } else {
            engine.resumeRings(); // the tool appends to the ring; it is no new boot
            status = engine.append(inv.recordType, bytes);
        }
        if (status == WriteStatus.FILTERED) {
            throw new PstoreException("not stored: dump reason " + inv.reason.label() + " (" + inv.reason.code()
                    + ") is above max-reason " + inv.config.maxReason());
        }
        // PENDING cannot outlive the process: close() flushes it or fails
    }

    /**
     * The end of a dump text longer than a record holds, as Linux's dumper keeps it (the crash is
     * at the end of the log); says on standard error how much was left out.
     */
    private byte[] newestThatFits(byte[] text, int capacity) {
        if (text.length <= capacity) {
            return text;
        }
        err.println("pstore-tool: the input's " + text.length + " bytes do not fit a record of " + capacity
                + ": kept the last " + capacity + ", left out the first " + (text.length - capacity));
        return Arrays.copyOfRange(text, text.length - capacity, text.length);
    }

    private void info(ZoneEngine engine) throws PstoreException {
        ZoneConfig c = engine.config();
        DeviceFigures figures = engine.device().figures();
        out.println("device\t" + engine.device().name() + "\tsize=" + engine.device().size() + tabbed(figures.figures()));
        for (DeviceFigures.Part part : figures.parts()) {
            out.println(part.name() + tabbed(part.figures()));
        }
        out.println("layout\t" + c.layout() + "\tkmsg-zones=" + engine.kmsgZoneCount()
                + "\tmax-reason=" + c.maxReason() + "\tbackend=" + c.backendName());
        out.println("counters\toops=" + engine.oopsCount() + "\tpanic=" + engine.panicCount()
                + "\tnext-kmsg-zone=" + engine.nextKmsgZone());
        for (String problem : engine.problems()) {
            out.println("problem\t" + problem);
        }
        engine.describeZones(z -> out.println(describe(z)));
    }

    /** Each figure as a tab and {@code name=value}. */
    private static String tabbed(List<DeviceFigures.Figure> figures) {
        StringBuilder line = new StringBuilder();
        figures.forEach(f -> line.append('\t').append(f));
        return line.toString();
    }

    private static String describe(ZoneInfo z) {
        StringBuilder line = new StringBuilder()
                .append(z.zone().type().label()).append('-').append(z.zone().index())
                .append("\toffset=").append(z.zone().offset())
                .append("\tsize=").append(z.zone().size())
                .append("\tstate=").append(z.state().label());
        if (z.header() != null) {
            line.append("\tsig=0x").append(Integer.toHexString(z.header().sig()))
                    .append("\tdatalen=").append(z.header().datalen())
                    .append("\tstart=").append(z.header().start());
        }
        if (z.kmsg() != null && z.header() != null && z.header().sig() == z.zone().signature()) {
            line.append("\tmagic=0x").append(Integer.toHexString(z.kmsg().magic()))
                    .append("\ttime=").append(z.kmsg().seconds()).append('.')
                    .append(String.format(Locale.ROOT, "%09d", z.kmsg().nanos()))
                    .append("\tcounter=").append(Integer.toUnsignedString(z.kmsg().counter()))
                    .append("\treason=").append(DumpReason.labelOf(z.kmsg().reason()))
                    .append("\tcompressed=").append(z.kmsg().compressed() ? 1 : 0);
        }
        if (z.detail() != null) {
            line.append("\tdetail=").append(z.detail());
        }
        return line.toString();
    }

    /** A command line, parsed and checked before the device is touched. */
    static final class Invocation {
        String device;
        long size;
        ZoneConfig config;
        String command;
        String argument;
        RecordType recordType;
        DumpReason reason = DumpReason.OOPS;
        boolean compress;
        String cardSize;
        String partitionOffset = "0";
        String partitionSize;
        String erased = "0x00";
        String pageSize;
        String oobSize;
        String pagesPerBlock;
        String blocks;
        String badBlocks;

        static Invocation parse(String[] args) throws UsageException, HelpRequested {
            Invocation inv = new Invocation();
            long kmsg = 64 * 1024;
            long pmsg = 0;
            long console = 0;
            long ftrace = 0;
            int cpus = 1;
            int maxReason = DumpReason.OOPS.code();
            String backend = ZoneConfig.DEFAULT_BACKEND_NAME;
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> throw new HelpRequested();
                    case "--device" -> inv.device = value(args, ++i, a);
                    case "--size" -> inv.size = size(value(args, ++i, a), a);
                    case "--kmsg-size" -> kmsg = size(value(args, ++i, a), a);
                    case "--pmsg-size" -> pmsg = size(value(args, ++i, a), a);
                    case "--console-size" -> console = size(value(args, ++i, a), a);
                    case "--ftrace-size" -> ftrace = size(value(args, ++i, a), a);
                    case "--cpus" -> cpus = number(value(args, ++i, a), a);
                    case "--max-reason" -> maxReason = reasonNumber(value(args, ++i, a));
                    case "--backend-name" -> backend = value(args, ++i, a);
                    case "--reason" -> inv.reason = reason(value(args, ++i, a));
                    case "--compress" -> inv.compress = true;
                    case "--card-size" -> inv.cardSize = value(args, ++i, a);
                    case "--partition-offset" -> inv.partitionOffset = value(args, ++i, a);
                    case "--partition-size" -> inv.partitionSize = value(args, ++i, a);
                    case "--erased" -> inv.erased = value(args, ++i, a);
                    case "--page-size" -> inv.pageSize = value(args, ++i, a);
                    case "--oob-size" -> inv.oobSize = value(args, ++i, a);
                    case "--pages-per-block" -> inv.pagesPerBlock = value(args, ++i, a);
                    case "--blocks" -> inv.blocks = value(args, ++i, a);
                    case "--bad-blocks" -> inv.badBlocks = value(args, ++i, a);
                    default -> {
                        if (a.startsWith("--")) {
                            throw new UsageException("unknown option '" + a + "'");
                        }
                        rest.add(a);
                    }
                }
            }
            if (inv.device == null) {
                throw new UsageException("--device PATH is required");
            }
            if (rest.isEmpty()) {
                throw new UsageException("no command given (ls, cat, rm, write, info, format)");
            }
            inv.command = rest.get(0);
            int wanted = switch (inv.command) {
                case "ls", "info", "format" -> 0;
                case "cat", "rm", "write" -> 1;
                default -> throw new UsageException("unknown command '" + inv.command + "'");
            };
            if (rest.size() - 1 != wanted) {
                throw new UsageException(inv.command + " takes " + (wanted == 0 ? "no argument" : "one argument")
                        + ", got " + (rest.size() - 1));
            }
            inv.argument = wanted == 1 ? rest.get(1) : null;
            if (inv.command.equals("write")) {
                inv.recordType = switch (inv.argument) {
                    case "dmesg" -> RecordType.DMESG;
                    case "pmsg" -> RecordType.PMSG;
                    case "console" -> RecordType.CONSOLE;
                    default -> throw new UsageException("write takes dmesg, pmsg or console, not '" + inv.argument + "'");
                };
            }
            inv.config = new ZoneConfig(new ZoneLayout(kmsg, pmsg, console, ftrace, cpus), maxReason, backend);
            try {
                inv.config.validate();
            } catch (PstoreException e) {
                throw new UsageException(e.getMessage());
            }
            return inv;
        }

        private static String value(String[] args, int i, String option) throws UsageException {
            if (i >= args.length) {
                throw new UsageException(option + " needs a value");
            }
            return args[i];
        }

        private static long size(String text, String option) throws UsageException {
            try {
                return ByteSize.parse(text);
            } catch (IllegalArgumentException e) {
                throw new UsageException(option + " takes a byte count with an optional K or M suffix, not '" + text + "'");
            }
        }

        private static int number(String text, String option) throws UsageException {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new UsageException(option + " takes a whole number, not '" + text + "'");
            }
        }

        private static int reasonNumber(String text) throws UsageException {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                return reason(text).code();
            }
        }

        private static DumpReason reason(String text) throws UsageException {
            try {
                return DumpReason.parse(text);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static final class HelpRequested extends Exception {
        private static final long serialVersionUID = 1L;
    }
}
