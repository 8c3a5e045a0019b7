package org.pstore.shell;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pstore.api.BackendStatus;
import org.pstore.api.DumpReason;
import org.pstore.api.KmsgDumper;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.ZoneStatus;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.DeviceFigures;
import org.pstore.api.device.StorageDevice;
import org.pstore.frontend.PmsgComponent;
import org.pstore.zone.MemoryDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneEngine;
import org.pstore.zone.ZoneLayout;

/** The {@code pstore:} commands as a user types them, parsed by Gogo's own runtime. */
class PstoreCommandsTest {

    static final ZoneConfig CONFIG = ZoneConfig.of(new ZoneLayout(4096, 4096, 4096, 0, 1));
    static final int SIZE = 32768;

    final ThreadIOImpl threadIO = new ThreadIOImpl();
    final List<CommandProcessorImpl> processors = new ArrayList<>();
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final List<ZoneEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() {
        threadIO.start();
    }

    @AfterEach
    void close() throws Exception {
        for (ZoneEngine e : engines) {
            e.close();
        }
        processors.forEach(CommandProcessorImpl::stop);
        threadIO.stop();
    }

    ZoneEngine open(byte[] image) throws PstoreException {
        ZoneEngine e = ZoneEngine.open(new MemoryDevice(image), CONFIG);
        engines.add(e);
        return e;
    }

    /** The registry's view of one engine: what status shows, counted by the engine. */
    static PstoreRegistry registryOf(ZoneEngine e) {
        return new PstoreRegistry() {
            @Override
            public void register(StorageDevice device) throws PstoreException {
                throw new PstoreException("not here");
            }

            @Override
            public void unregister(StorageDevice device) {
            }

            @Override
            public BackendStatus status() {
                int records;
                try {
                    records = e.records().size();
                } catch (PstoreException unreadable) {
                    records = -1;
                }
                ZoneLayout l = CONFIG.layout();
                return new BackendStatus(new BackendStatus.Active("memory", e.kmsgZoneCount(), records,
                        e.dirtyZoneCount(), e.oopsCount(), e.panicCount(), DeviceFigures.NONE), List.of(),
                        new BackendStatus.Layout(l.kmsgSize(), l.pmsgSize(), l.consoleSize(), l.ftraceSize(),
                                l.cpus(), CONFIG.maxReason()), 0, 0, e.problems());
            }

            @Override
            public List<ZoneStatus> zones() throws PstoreException {
                throw new PstoreException("not here");
            }
        };
    }

    /** A Gogo runtime with these commands alone. */
    CommandSession session(PstoreCommands commands) {
        CommandProcessorImpl processor = new CommandProcessorImpl(threadIO);
        processors.add(processor);
        processor.addCommand("pstore", commands);
        PrintStream out = new PrintStream(console, true, US_ASCII);
        return processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
    }

    @Test
    void pmsgTakesTheRestOfTheLineAsTheText() throws Exception {
        byte[] image = new byte[SIZE];
        ZoneEngine engine = open(image);
        PmsgComponent pmsg = new PmsgComponent();
        pmsg.enable(engine);
        PstoreCommands commands = new PstoreCommands(engine, registryOf(engine), null);
        commands.bindPmsg(pmsg);
        CommandSession session = session(commands);
        assertEquals("pmsg: stored", session.execute("pstore:pmsg hello from app"));
        assertEquals("pmsg: stored", session.execute("pstore:pmsg 'quoted  as  typed'"));
        engines.remove(engine);
        engine.close();
        assertEquals("hello from app\nquoted  as  typed\n", new String(open(image).read("pmsg-pstore_blk-0"), US_ASCII));
    }

    @Test
    void oopsTakesTheRestOfTheLineAsTheMessage() throws Exception {
        ZoneEngine engine = open(new byte[SIZE]);
        List<String> messages = new ArrayList<>();
        PstoreCommands commands = new PstoreCommands(engine, registryOf(engine), null);
        commands.bindDumper(new KmsgDumper() {
            @Override
            public WriteStatus oops(String message) {
                messages.add(message);
                return WriteStatus.STORED;
            }

            @Override
            public WriteStatus panic(String message) {
                throw new AssertionError("no panic here");
            }
        });
        assertEquals("oops record: stored", session(commands).execute("pstore:oops something bad"));
        assertEquals(List.of("something bad"), messages);
    }

    @Test
    void lsSaysWhenThereAreNoRecords() throws Exception {
        ZoneEngine engine = open(new byte[SIZE]);
        assertEquals("no records", session(new PstoreCommands(engine, registryOf(engine), null)).execute("pstore:ls"));
    }

    @Test
    void statusShowsTheDevicesFiguresAndParts() {
        BackendStatus s = new BackendStatus(new BackendStatus.Active("nand0", 3, 2, 1, 4, 5,
                new DeviceFigures(List.of(new DeviceFigures.Figure("nand", "chip.img"), DeviceFigures.Figure.of("blocks", 2)),
                        List.of(new DeviceFigures.Part("block-0", List.of(new DeviceFigures.Figure("state", "good"))),
                                new DeviceFigures.Part("block-1", List.of(new DeviceFigures.Figure("state", "bad")))))),
                List.of("b"), new BackendStatus.Layout(4096, 0, 0, 0, 1, 2), 7, 1, List.of("nand0: zone 2 unreadable"));
        assertEquals("""
                active:      nand0
                standbys:    b
                layout:      kmsg 4096, pmsg 0, console 0, ftrace 0 over 1 CPU(s), max reason 2
                kmsg zones:  3
                records:     2
                dirty zones: 1
                counters:    oops 4, panic 5
                buffered:    7
                swaps:       1
                device:      nand=chip.img blocks=2
                             block-0 state=good
                             block-1 state=bad
                problem:     nand0: zone 2 unreadable""", PstoreCommands.format(s));
    }

    /** An image of ours with every kind of record: dumps plain and compressed, pmsg and console. */
    static byte[] image() throws PstoreException {
        byte[] image = new byte[SIZE];
        try (ZoneEngine e = ZoneEngine.open(new MemoryDevice(image), CONFIG)) {
            for (int i = 0; i < 6; i++) {
                e.dump(i % 2 == 0 ? DumpReason.OOPS : DumpReason.PANIC, ("<3>[ 1.0] dump " + i + "\n").getBytes(US_ASCII), i % 3 == 0);
            }
            e.append(RecordType.PMSG, "application message\n".getBytes(US_ASCII));
            e.append(RecordType.CONSOLE, "<6>[ 2.0] console line\n".getBytes(US_ASCII));
        }
        return image;
    }

    /** Bit flips anywhere, and random or extreme values in the first 64 bytes of zones (headers, times, lengths). */
    static byte[] mutate(byte[] original, Random random) {
        byte[] image = original.clone();
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 1 + random.nextInt(4); k > 0; k--) {
            int at = random.nextInt(image.length / 4096) * 4096 + 4 * random.nextInt(15);
            switch (random.nextInt(4)) {
                case 0 -> image[random.nextInt(image.length)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b.putInt(at, random.nextInt());
                case 2 -> b.putInt(at, new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, 4084, 4085}[random.nextInt(6)]);
                default -> b.putLong(at, new long[] {Long.MAX_VALUE, Long.MIN_VALUE, -1, 253402300800L}[random.nextInt(4)]);
            }
        }
        return image;
    }

    @Test
    void recordsFromMutatedImagesAreShownOrRefusedWithAClearError() throws Exception {
        byte[] original = image();
        int images = 0;
        int commandsRun = 0;
        for (int seed = 0; seed < 300; seed++) {
            byte[] image = mutate(original, new Random(seed));
            ZoneEngine engine;
            try {
                engine = open(image);
            } catch (PstoreException refused) {
                continue; // the engine refuses the whole image: nothing to show
            }
            images++;
            CommandSession session = session(new PstoreCommands(engine, registryOf(engine), null));
            List<String> names = new ArrayList<>();
            try {
                engine.records().forEach(r -> names.add(r.name()));
            } catch (PstoreException unreadable) {
                // ls must then fail with the same clear error
            }
            List<String> lines = new ArrayList<>();
            lines.add("pstore:ls");
            lines.add("pstore:status");
            names.forEach(n -> lines.add("pstore:cat " + n));
            names.forEach(n -> lines.add("pstore:rm " + n));
            for (String line : lines) {
                commandsRun++;
                try {
                    Object shown = session.execute(line);
                    assertInstanceOf(String.class, shown, line);
                    if (line.equals("pstore:ls") && !names.isEmpty()) {
                        List<String> listed = ((String) shown).lines().map(l -> l.split("\t")[0]).toList();
                        assertEquals(names, listed, "seed " + seed);
                        assertTrue(((String) shown).lines().allMatch(l -> l.split("\t").length == 3), (String) shown);
                    }
                } catch (Exception e) {
                    assertInstanceOf(PstoreException.class, e, "seed " + seed + ": " + line + " threw " + e);
                }
            }
            engines.remove(engine);
            engine.close();
        }
        assertTrue(images > 100, images + " mutated images opened");
        System.out.println("shell on hostile images: " + images + " mutated images shown, " + commandsRun
                + " commands; exceptions other than PstoreException: 0");
    }

    @Test
    void aRecordTimeOutsideWhatJavaTimeHoldsIsShown() {
        PstoreRecord far = new PstoreRecord("dmesg-pstore_blk-0", RecordType.DMESG, 0, java.time.Instant.MAX, 10);
        PstoreRecord early = new PstoreRecord("dmesg-pstore_blk-1", RecordType.DMESG, 1, java.time.Instant.MIN, 10);
        assertEquals("dmesg-pstore_blk-0\t10\t+1000000000-12-31T23:59:59Z\ndmesg-pstore_blk-1\t10\t-1000000000-01-01T00:00:00Z",
                PstoreCommands.format(List.of(far, early)));
    }

    @Test
    void whatBecameOfAWriteReadsTheSameInEveryLocale() throws Exception {
        ZoneEngine engine = open(new byte[SIZE]);
        PstoreCommands commands = new PstoreCommands(engine, registryOf(engine), null);
        commands.bindPmsg(new org.pstore.api.Pmsg() {
            @Override
            public WriteStatus write(byte[] bytes) {
                return WriteStatus.PENDING;
            }

            @Override
            public java.io.OutputStream openStream() {
                throw new UnsupportedOperationException();
            }
        });
        CommandSession session = session(commands);
        java.util.Locale saved = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr")); // where "I" lowers to a dotless "ı"
        try {
            assertEquals("pmsg: pending", session.execute("pstore:pmsg kept for later"));
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }
}
