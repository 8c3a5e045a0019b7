package org.pstore.zone;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

import org.pstore.api.DumpReason;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.SkipZoneException;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.ZoneFormat.KmsgHeader;
import org.pstore.zone.ZoneFormat.ZoneHeader;

/**
 * Linux's pstore/zone on a {@link StorageDevice}: recovers every zone when opened, lists, reads and
 * erases the records found, writes kmsg dumps round-robin and appends to the pmsg, console and
 * ftrace rings, keeps what the device cannot take yet and retries it, and has a panic path.
 *
 * <p>Memory: the engine keeps the headers of the kmsg zones that hold records and the previous
 * run's ring contents (what it shows), plus what is dirty; it never mirrors the partition.
 *
 * <p>Thread-safe. Every operation takes one lock, except {@link #panicDump}, which waits for it only
 * briefly and otherwise writes without it.
 */
public final class ZoneEngine implements Pstore, Closeable {

    /** How long the panic path waits for a lock held by another thread before writing without it. */
    static final long PANIC_LOCK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int MAX_PROBLEMS = 64;
    private static final String COMPRESSED_SUFFIX = ".enc.z";

    private final StorageDevice device;
    private final ZoneConfig config;
    private final ZoneLayout layout;
    private final Clock clock;
    private final ZoneIo io;
    private final Instant openedAt;
    private final ReentrantLock lock = new ReentrantLock();
    private final Flusher flusher;

    private final RingZone pmsg;
    private final RingZone console;
    private final List<RingZone> ftrace = new ArrayList<>();
    private final List<RingZone> rings = new ArrayList<>();

    private final int kmsgCount;
    private final int kmsgTextCapacity;
    /** kmsg zones that hold a record now, by zone index. */
    private final TreeMap<Integer, KmsgRecord> kmsgRecords = new TreeMap<>();
    /** kmsg zone images (both headers and the text) the device has not taken yet. */
    private final TreeMap<Integer, byte[]> pendingKmsg = new TreeMap<>();
    /** kmsg zones that could not be read when opened: not written, so as not to destroy a record. */
    private final BitSet unreadable = new BitSet();
    private final AtomicLong kmsgCursor = new AtomicLong();
    private final AtomicInteger oopsCounter = new AtomicInteger();
    private final AtomicInteger panicCounter = new AtomicInteger();
    private final List<String> problems = new ArrayList<>();
    private int problemCount;

    /** The kmsg zone image being written; zero beyond {@link #zoneImageUsed}. */
    private final ByteBuffer zoneImage;
    private int zoneImageUsed;
    private final Deflater deflater;
    private final CRC32C crc = new CRC32C();

    // the panic path: prepared at open so that it allocates nothing
    private final AtomicBoolean panicking = new AtomicBoolean();
    private final ByteBuffer panicZone;
    private final ByteBuffer panicText;
    private final Deflater panicDeflater;
    private final CRC32C panicCrc = new CRC32C();
    /** Zones the panic path wrote, re-read under the lock before anything else looks at them. */
    private final int[] panicWritten = new int[8];
    private final AtomicInteger panicWrittenCount = new AtomicInteger();

    private volatile boolean closed;

    private ZoneEngine(StorageDevice device, ZoneConfig config, Clock clock) {
        this.device = device;
        this.config = config;
        this.layout = config.layout();
        this.clock = clock;
        this.io = new ZoneIo(device);
        this.openedAt = clock.instant();
        this.flusher = new Flusher(device.name(), this::flushQuietly);
        RingZone p = null;
        RingZone c = null;
        for (Zone zone : layout.ringZones()) {
            RingZone ring = new RingZone(zone);
            rings.add(ring);
            switch (zone.type()) {
                case PMSG -> p = ring;
                case CONSOLE -> c = ring;
                default -> ftrace.add(ring);
            }
        }
        this.pmsg = p;
        this.console = c;
        this.kmsgCount = (int) layout.kmsgCount(device.size());
        int zoneSize = (int) layout.kmsgSize();
        this.kmsgTextCapacity = Math.max(0, zoneSize - ZoneFormat.KMSG_TEXT_OFFSET);
        this.zoneImage = ByteBuffer.allocate(kmsgCount == 0 ? 0 : zoneSize).order(ByteOrder.LITTLE_ENDIAN);
        this.panicZone = ByteBuffer.allocateDirect(kmsgCount == 0 ? 0 : zoneSize).order(ByteOrder.LITTLE_ENDIAN);
        this.panicText = kmsgCount == 0 ? panicZone
                : panicZone.duplicate().position(ZoneFormat.KMSG_TEXT_OFFSET).slice();
        this.deflater = KmsgCompression.newDeflater();
        this.panicDeflater = KmsgCompression.newDeflater();
    }

    /**
     * Opens the engine on a device and recovers every zone. The layout is checked against the
     * device first; a device that does not fit it is refused and left untouched. Zones that cannot
     * be read are reported in {@link #problems()} and skipped.
     */
    public static ZoneEngine open(StorageDevice device, ZoneConfig config) throws PstoreException {
        return open(device, config, Clock.systemUTC());
    }

    public static ZoneEngine open(StorageDevice device, ZoneConfig config, Clock clock) throws PstoreException {
        config.validate();
        config.layout().validate(device.size());
        if (config.layout().kmsgCount(device.size()) > Integer.MAX_VALUE) {
            throw new PstoreException("kmsg-size " + config.layout().kmsgSize() + " makes more zones than "
                    + Integer.MAX_VALUE + " on " + device.size() + " bytes");
        }
        ZoneEngine engine = new ZoneEngine(device, config, clock);
        engine.recover();
        return engine;
    }

    // ---- recovery

    private void recover() {
        for (RingZone ring : rings) {
            try {
                ring.recover(io);
            } catch (SkipZoneException e) {
                // the device asked us to leave it alone: nothing to show
            } catch (IOException e) {
                problem(ring.describe() + " could not be recovered: " + e.getMessage());
            }
        }
        long newest = 0;
        int next = 0;
        for (int i = 0; i < kmsgCount; i++) {
            Zone zone = layout.kmsgZone(i);
            ZoneHeader h;
            try {
                h = io.readKmsgHeaders(zone);
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                unreadable.set(i);
                problem("kmsg zone " + i + " at " + zone.offset() + " could not be read: " + e.getMessage());
                continue;
            }
            if (h.sig() != zone.signature()) {
                continue;
            }
            if (h.datalenUnsigned() > zone.capacity()) {
                problem("kmsg zone " + i + ": datalen " + h.datalen() + " exceeds the capacity " + zone.capacity());
                continue;
            }
            KmsgHeader k = io.lastKmsgHeader();
            if (!k.valid()) {
                continue;
            }
            // the newest zone (ties to the higher index) decides where the next dump goes;
            // erased zones count too, as their headers keep the time and counters
            if (k.seconds() >= newest) {
                newest = k.seconds();
                next = (i + 1) % kmsgCount;
            }
            if (k.reason() == DumpReason.OOPS.code()) {
                oopsCounter.accumulateAndGet(k.counter(), ZoneEngine::maxUnsigned);
            } else if (k.reason() == DumpReason.PANIC.code()) {
                panicCounter.accumulateAndGet(k.counter(), ZoneEngine::maxUnsigned);
            }
            if (h.datalen() == 0) {
                continue;
            }
            if (h.datalen() < ZoneFormat.KMSG_HEADER_SIZE) {
                problem("kmsg zone " + i + ": datalen " + h.datalen() + " is shorter than the kmsg header");
                continue;
            }
            kmsgRecords.put(i, new KmsgRecord(i, h.datalen(), k));
        }
        kmsgCursor.set(next);
    }

    private static int maxUnsigned(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private void problem(String message) {
        problemCount++;
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(message);
        }
    }

    // ---- listing and reading

    @Override
    public List<PstoreRecord> records() throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            takeInPanicWrites();
            List<PstoreRecord> list = new ArrayList<>();
            for (RingZone ring : rings) {
                if (ring.zone().type() != RecordType.FTRACE && ring.previous() != null) {
                    list.add(new PstoreRecord(name(ring.zone().type(), 0, false), ring.zone().type(), 0, openedAt,
                            ring.previous().length));
                }
            }
            byte[] trace = mergedFtrace();
            if (trace != null) {
                list.add(new PstoreRecord(name(RecordType.FTRACE, 0, false), RecordType.FTRACE, 0, openedAt, trace.length));
            }
            for (KmsgRecord r : kmsgRecords.values()) {
                try {
                    if (!intact(r)) {
                        continue;
                    }
                    boolean raw = r.header.compressed() && inflatedSize(r) == KmsgRecord.NOT_INFLATABLE;
                    long size = !r.header.compressed() ? totalLine(r).length + r.textLength()
                            : raw ? r.textLength() : r.inflatedSize;
                    list.add(new PstoreRecord(name(RecordType.DMESG, r.zone, raw), RecordType.DMESG, r.zone, r.time(), size));
                } catch (PstoreException unreadable) {
                    // one record that cannot be read never hides the others (weak spot 4)
                    problem(unreadable.getMessage());
                }
            }
            return list;
        } finally {
            lock.unlock();
        }
    }

    private String name(RecordType type, int id, boolean compressed) {
        return type.label() + "-" + config.backendName() + "-" + id + (compressed ? COMPRESSED_SUFFIX : "");
    }

    private byte[] mergedFtrace() {
        byte[] merged = null;
        for (RingZone cpu : ftrace) {
            if (cpu.previous() != null) {
                merged = FtraceLog.combine(merged == null ? new byte[0] : merged, cpu.previous());
            }
        }
        return merged == null || merged.length == 0 ? null : merged;
    }

    /**
     * Whether a record we wrote still has the bytes its checksum covers (a power cut between its
     * sectors leaves a header over old text). Checked once per record, reported when it fails.
     */
    private boolean intact(KmsgRecord r) throws PstoreException {
        if (r.intact == null) {
            r.intact = !r.header.checksummed() || r.header.checksum() == ZoneFormat.checksum(crc,
                    r.header.encode(ZoneFormat.signature(RecordType.DMESG), r.datalen), ByteBuffer.wrap(storedText(r)));
            if (!r.intact) {
                problem("kmsg zone " + r.zone + ": checksum mismatch, the record is damaged (torn by a power cut?)");
            }
        }
        return r.intact;
    }

    private int inflatedSize(KmsgRecord r) throws PstoreException {
        if (r.inflatedSize == KmsgRecord.SIZE_UNKNOWN) {
            byte[] text = KmsgCompression.inflate(storedText(r), KmsgCompression.maxInflatedSize(kmsgTextCapacity));
            r.inflatedSize = text == null ? KmsgRecord.NOT_INFLATABLE : text.length;
        }
        return r.inflatedSize;
    }

    /** Linux's first line of an uncompressed dump: {@code <Reason>: Total <counter> times}. */
    private static byte[] totalLine(KmsgRecord r) {
        return (DumpReason.labelOf(r.header.reason()) + ": Total " + r.header.counter() + " times\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] storedText(KmsgRecord r) throws PstoreException {
        byte[] pending = pendingKmsg.get(r.zone);
        if (pending != null) {
            return Arrays.copyOfRange(pending, ZoneFormat.KMSG_TEXT_OFFSET, ZoneFormat.HEADER_SIZE + r.datalen);
        }
        byte[] text = new byte[r.textLength()];
        Zone zone = layout.kmsgZone(r.zone);
        try {
            io.readData(zone, ZoneFormat.KMSG_HEADER_SIZE, ByteBuffer.wrap(text));
        } catch (IOException e) {
            throw new PstoreException("reading " + name(RecordType.DMESG, r.zone, false) + ": " + e.getMessage(), e);
        }
        return text;
    }

    @Override
    public byte[] read(String name) throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            takeInPanicWrites();
            RecordName n = parse(name);
            switch (n.type) {
                case DMESG: {
                    KmsgRecord r = kmsgRecords.get(n.id);
                    if (r == null) {
                        throw new NoSuchRecordException(name);
                    }
                    if (!intact(r)) {
                        throw new PstoreException(name + " is damaged: its checksum does not match its bytes");
                    }
                    byte[] stored = storedText(r);
                    if (!r.header.compressed()) {
                        if (n.compressed) {
                            throw new NoSuchRecordException(name);
                        }
                        byte[] line = totalLine(r);
                        byte[] out = Arrays.copyOf(line, line.length + stored.length);
                        System.arraycopy(stored, 0, out, line.length, stored.length);
                        return out;
                    }
                    byte[] text = KmsgCompression.inflate(stored, KmsgCompression.maxInflatedSize(kmsgTextCapacity));
                    r.inflatedSize = text == null ? KmsgRecord.NOT_INFLATABLE : text.length;
                    if ((text == null) != n.compressed) {
                        throw new NoSuchRecordException(name);
                    }
                    return text == null ? stored : text;
                }
                case FTRACE: {
                    byte[] merged = n.id == 0 && !n.compressed ? mergedFtrace() : null;
                    if (merged == null) {
                        throw new NoSuchRecordException(name);
                    }
                    return FtraceLog.render(merged);
                }
                default: {
                    RingZone ring = ringOf(n.type);
                    if (ring == null || ring.previous() == null || n.id != 0 || n.compressed) {
                        throw new NoSuchRecordException(name);
                    }
                    return ring.previous().clone();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #records()} lists this name; cheap once the record was listed or read. */
    private boolean exists(RecordName n) throws PstoreException {
        if (n.id != 0 && n.type != RecordType.DMESG) {
            return false;
        }
        switch (n.type) {
            case DMESG: {
                KmsgRecord r = kmsgRecords.get(n.id);
                if (r == null || !intact(r)) {
                    return false;
                }
                boolean raw = r.header.compressed() && inflatedSize(r) == KmsgRecord.NOT_INFLATABLE;
                return raw == n.compressed;
            }
            case FTRACE:
                return !n.compressed && mergedFtrace() != null;
            default: {
                RingZone ring = ringOf(n.type);
                return !n.compressed && ring != null && ring.previous() != null;
            }
        }
    }

    private RingZone ringOf(RecordType type) {
        return type == RecordType.PMSG ? pmsg : type == RecordType.CONSOLE ? console : null;
    }

    private record RecordName(RecordType type, int id, boolean compressed) {
    }

    private RecordName parse(String name) throws NoSuchRecordException {
        for (RecordType type : List.of(RecordType.DMESG, RecordType.PMSG, RecordType.CONSOLE, RecordType.FTRACE)) {
            String prefix = type.label() + "-" + config.backendName() + "-";
            if (name.startsWith(prefix)) {
                String rest = name.substring(prefix.length());
                boolean compressed = rest.endsWith(COMPRESSED_SUFFIX);
                String digits = compressed ? rest.substring(0, rest.length() - COMPRESSED_SUFFIX.length()) : rest;
                if (!digits.isEmpty() && digits.length() <= 9 && digits.chars().allMatch(Character::isDigit)) {
                    return new RecordName(type, Integer.parseInt(digits), compressed);
                }
            }
        }
        throw new NoSuchRecordException(name);
    }

    // ---- erasing

    @Override
    public void erase(String name) throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            takeInPanicWrites();
            RecordName n = parse(name);
            if (!exists(n)) {
                throw new NoSuchRecordException(name);
            }
            try {
                switch (n.type) {
                    case DMESG -> eraseKmsg(n.id);
                    case FTRACE -> {
                        // every CPU's zone, not only CPU 0's (Linux's weak spot)
                        for (RingZone cpu : ftrace) {
                            cpu.erase(io);
                        }
                    }
                    default -> ringOf(n.type).erase(io);
                }
            } catch (IOException e) {
                throw new PstoreException("erasing " + name + ": " + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Linux rewrites only the zone header with datalen 0, so the kmsg header and its counters stay;
     * a device with its own erase (NAND) erases instead.
     */
    private void eraseKmsg(int index) throws IOException {
        Zone zone = layout.kmsgZone(index);
        if (device.hasErase()) {
            device.erase(zone.offset(), zone.size());
        } else {
            io.writeHeader(zone, 0, 0);
        }
        kmsgRecords.remove(index);
        pendingKmsg.remove(index);
    }

    // ---- writing

    @Override
    public WriteStatus dump(DumpReason reason, byte[] text, boolean compress) throws PstoreException {
        if (reason.code() > config.maxReason()) {
            return WriteStatus.FILTERED;
        }
        lock.lock();
        try {
            checkOpen();
            checkKmsgZones();
            takeInPanicWrites();
            Instant now = clock.instant();
            int counter = nextCounter(reason);
            ByteBuffer textArea = zoneImage.clear().duplicate().position(ZoneFormat.KMSG_TEXT_OFFSET).slice();
            int textLength = putText(ByteBuffer.wrap(text), compress, textArea, deflater);
            boolean compressed = textLength < 0;
            int datalen = ZoneFormat.KMSG_HEADER_SIZE + Math.abs(textLength);
            // a compression that did not fit may have filled the whole zone before giving up
            zeroZoneImageFrom(ZoneFormat.HEADER_SIZE + datalen, compress && !compressed ? zoneImage.capacity() : zoneImageUsed);
            ZoneFormat.putHeader(zoneImage, 0, ZoneFormat.signature(RecordType.DMESG), datalen, 0);
            ZoneFormat.putKmsgHeader(zoneImage, now.getEpochSecond(), now.getNano(), compressed, counter, reason.code(),
                    crc, textArea.flip());
            return place();
        } finally {
            lock.unlock();
        }
    }

    private void checkKmsgZones() throws PstoreException {
        if (kmsgCount == 0) {
            throw new PstoreException("the layout has no kmsg zones (kmsg-size 0)");
        }
    }

    private int nextCounter(DumpReason reason) {
        return reason == DumpReason.OOPS ? oopsCounter.incrementAndGet()
                : reason == DumpReason.PANIC ? panicCounter.incrementAndGet() : 0;
    }

    /**
     * Puts the dump text into {@code out} (the space after both headers): compressed where asked
     * and where it fits and Linux could inflate it again, otherwise the first part that fits.
     * Returns the stored length, negated when compressed. Allocates nothing.
     */
    private int putText(ByteBuffer text, boolean compress, ByteBuffer out, Deflater def) {
        int limit = text.limit();
        try {
            if (compress) {
                text.limit(text.position() + Math.min(text.remaining(), layout.dumpCapacity(true)));
                int start = text.position();
                int n = KmsgCompression.compress(def, text, out);
                if (n > 0) {
                    return -n;
                }
                text.limit(limit).position(start);
                out.clear();
            }
            int n = Math.min(text.remaining(), out.remaining());
            text.limit(text.position() + n);
            out.put(text);
            return n;
        } finally {
            text.limit(limit);
        }
    }

    /** Zeroes the zone image from {@code from} up to {@code to}, where earlier images left bytes. */
    private void zeroZoneImageFrom(int from, int to) {
        if (to > from) {
            Arrays.fill(zoneImage.array(), from, to, (byte) 0);
        }
        zoneImageUsed = from;
    }

    /** Puts a pending image back into the zone image, zeros after it. */
    private void loadZoneImage(byte[] image) {
        System.arraycopy(image, 0, zoneImage.array(), 0, image.length);
        zeroZoneImageFrom(image.length, zoneImageUsed);
    }

    /**
     * Writes the zone image to the next kmsg zone round-robin; a zone the device skips gives way to
     * the next. The zone is written whole, zeros after the text, as Linux writes kmsg zones. Only an
     * image the device could not take is copied, to wait in memory.
     */
    private WriteStatus place() throws PstoreException {
        int datalen = zoneImage.getInt(ZoneFormat.OFF_DATALEN);
        KmsgRecord meta = null;
        for (int tries = 0; tries < kmsgCount; tries++) {
            int index = (int) Math.floorMod(kmsgCursor.getAndIncrement(), (long) kmsgCount);
            if (unreadable.get(index)) {
                continue;
            }
            meta = new KmsgRecord(index, datalen, KmsgHeader.decode(zoneImage));
            try {
                device.write(layout.kmsgZoneOffset(index), zoneImage.clear());
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                io.remember(layout.kmsgZone(index), e);
                pendingKmsg.put(index, Arrays.copyOf(zoneImage.array(), ZoneFormat.HEADER_SIZE + datalen));
                kmsgRecords.put(index, meta);
                flusher.schedule();
                return WriteStatus.PENDING;
            }
            pendingKmsg.remove(index);
            kmsgRecords.put(index, meta);
            return WriteStatus.STORED;
        }
        throw new PstoreException("no kmsg zone could take the record: all " + kmsgCount
                + " were skipped by the device or unreadable");
    }


    @Override
    public WriteStatus append(RecordType type, byte[] bytes) throws PstoreException {
        RingZone ring = switch (type) {
            case PMSG -> pmsg;
            case CONSOLE -> console;
            case FTRACE -> ftrace.isEmpty() ? null
                    : ftrace.get((int) Math.floorMod(Thread.currentThread().getId(), (long) ftrace.size()));
            default -> throw new PstoreException(type.label() + " records are not rings: use dump for dmesg");
        };
        if (ring == null) {
            throw new PstoreException("the layout has no " + type.label() + " zone (" + type.label() + "-size 0)");
        }
        return append(ring, bytes);
    }

    /** Appends ftrace records to the zone of one CPU. */
    public WriteStatus appendFtrace(int cpu, byte[] records) throws PstoreException {
        if (cpu < 0 || cpu >= ftrace.size()) {
            throw new PstoreException("no ftrace zone for CPU " + cpu + " (the layout has " + ftrace.size() + ")");
        }
        return append(ftrace.get(cpu), records);
    }

    private WriteStatus append(RingZone ring, byte[] bytes) throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            if (ring.append(io, bytes)) {
                return WriteStatus.STORED;
            }
            flusher.schedule();
            return WriteStatus.PENDING;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes this run's rings continue where the previous run's ended instead of restarting them,
     * as a tool that edits a partition offline wants: the next append goes after the content
     * shown, and the next open shows both. Rings already appended to in this run are left alone.
     */
    public void resumeRings() throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            for (RingZone ring : rings) {
                ring.resume();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- the panic path

    /**
     * Writes a dump from a dying system: synchronously, through the device's panic write, without
     * allocating, and without waiting more than {@link #PANIC_LOCK_WAIT_NANOS} for a lock another
     * thread holds. The text is read from the buffer's position to its limit, which are left as
     * they were. Every failure is reported: a device without a panic write cannot store it.
     */
    @Override
    public WriteStatus panicDump(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException {
        if (reason.code() > config.maxReason()) {
            return WriteStatus.FILTERED;
        }
        checkOpen();
        checkKmsgZones();
        if (!device.hasPanicWrite()) {
            throw new PstoreException(device.name() + " has no panic write: the panic record is lost");
        }
        if (!panicking.compareAndSet(false, true)) {
            throw new PstoreException("another panic write is in progress");
        }
        boolean locked = tryLockBriefly();
        try {
            try {
                return panicWrite(reason, text, compress);
            } finally {
                panicking.set(false);
            }
        } finally {
            if (locked) {
                try {
                    // like Linux, push out what other writes left dirty; the panic record is
                    // taken in first, so that nothing waiting for its zone overwrites it
                    if (hasDirtyData()) {
                        flushDirty();
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private boolean tryLockBriefly() {
        long deadline = System.nanoTime() + PANIC_LOCK_WAIT_NANOS;
        while (!lock.tryLock()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private WriteStatus panicWrite(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException {
        int position = text.position();
        for (int i = 0; i < panicZone.capacity(); i += Long.BYTES) {
            panicZone.putLong(i, 0L);
        }
        panicText.clear();
        int stored = putText(text, compress, panicText, panicDeflater);
        text.position(position);
        long millis = clock.millis();
        ZoneFormat.putHeader(panicZone, 0, ZoneFormat.signature(RecordType.DMESG),
                ZoneFormat.KMSG_HEADER_SIZE + Math.abs(stored), 0);
        ZoneFormat.putKmsgHeader(panicZone, Math.floorDiv(millis, 1000L), Math.floorMod(millis, 1000L) * 1_000_000L,
                stored < 0, nextCounter(reason), reason.code(), panicCrc, panicText.flip());
        for (int tries = 0; tries < kmsgCount; tries++) {
            int index = (int) Math.floorMod(kmsgCursor.getAndIncrement(), (long) kmsgCount);
            panicZone.clear();
            try {
                device.panicWrite(layout.kmsgZoneOffset(index), panicZone);
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                throw new PstoreException("panic write to kmsg zone " + index + " failed: " + e.getMessage(), e);
            }
            notePanicWrite(index);
            return WriteStatus.STORED;
        }
        throw new PstoreException("no kmsg zone could take the panic record: the device skipped all " + kmsgCount);
    }

    private void notePanicWrite(int index) {
        int slot = panicWrittenCount.getAndIncrement();
        if (slot >= 0 && slot < panicWritten.length) {
            panicWritten[slot] = index;
        }
    }

    /** Re-reads the zones the panic path wrote, so listing and flushing see its records. */
    private void takeInPanicWrites() {
        int count = panicWrittenCount.get();
        if (count == 0 || panicking.get()) {
            return;
        }
        for (int i = 0; i < Math.min(count, panicWritten.length); i++) {
            refreshKmsgZone(panicWritten[i]);
        }
        if (count > panicWritten.length || count < 0) {
            for (int i = 0; i < kmsgCount; i++) {
                refreshKmsgZone(i);
            }
        }
        panicWrittenCount.addAndGet(-count);
    }

    private void refreshKmsgZone(int index) {
        pendingKmsg.remove(index); // the panic record is newer than anything waiting for this zone
        kmsgRecords.remove(index);
        Zone zone = layout.kmsgZone(index);
        try {
            ZoneHeader h = io.readKmsgHeaders(zone);
            KmsgHeader k = io.lastKmsgHeader();
            if (h.sig() == zone.signature() && k.valid() && h.datalen() >= ZoneFormat.KMSG_HEADER_SIZE
                    && h.datalenUnsigned() <= zone.capacity()) {
                kmsgRecords.put(index, new KmsgRecord(index, h.datalen(), k));
            }
        } catch (IOException e) {
            problem("kmsg zone " + index + " could not be re-read after a panic write: " + e.getMessage());
        }
    }

    // ---- flushing and closing

    /** Writes everything that is dirty. Returns true when nothing is left dirty. */
    public boolean flush() throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            return flushDirty();
        } finally {
            lock.unlock();
        }
    }

    private boolean flushQuietly() {
        lock.lock();
        try {
            return closed || flushDirty();
        } finally {
            lock.unlock();
        }
    }

    private boolean flushDirty() {
        takeInPanicWrites();
        for (Map.Entry<Integer, byte[]> e : new ArrayList<>(pendingKmsg.entrySet())) {
            int index = e.getKey();
            loadZoneImage(e.getValue());
            try {
                device.write(layout.kmsgZoneOffset(index), zoneImage.clear());
                pendingKmsg.remove(index);
            } catch (SkipZoneException skip) {
                // the zone went bad meanwhile: the record moves on to the next zone
                pendingKmsg.remove(index);
                kmsgRecords.remove(index);
                try {
                    place();
                } catch (PstoreException full) {
                    problem("a pending kmsg record was lost: " + full.getMessage());
                }
            } catch (IOException failed) {
                io.remember(layout.kmsgZone(index), failed);
            }
        }
        boolean clean = pendingKmsg.isEmpty();
        for (RingZone ring : rings) {
            clean &= ring.flush(io);
        }
        return clean;
    }

    /**
     * Flushes and stops the background flush. The device stays open: it belongs to the caller.
     * Data that still cannot be written is reported, not silently dropped.
     */
    @Override
    public void close() throws PstoreException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            boolean clean = flushDirty();
            int dirty = dirtyZoneCount();
            closed = true;
            flusher.stop();
            deflater.end();
            panicDeflater.end();
            if (!clean) {
                throw new PstoreException(dirty + " zone(s) of " + device.name()
                        + " could not be written before closing: " + io.lastWriteError());
            }
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() throws PstoreException {
        if (closed) {
            throw new PstoreException("the pstore engine on " + device.name() + " is closed");
        }
    }

    // ---- status

    @Override
    public boolean hasZones(RecordType type) {
        return switch (type) {
            case DMESG -> kmsgCount > 0;
            case PMSG -> pmsg != null;
            case CONSOLE -> console != null;
            case FTRACE -> !ftrace.isEmpty();
            default -> false;
        };
    }

    @Override
    public int maxReason() {
        return config.maxReason();
    }

    @Override
    public int dumpCapacity(boolean compress) {
        return layout.dumpCapacity(compress);
    }

    public ZoneConfig config() {
        return config;
    }

    public StorageDevice device() {
        return device;
    }

    public int kmsgZoneCount() {
        return kmsgCount;
    }

    /** The kmsg zone the next dump goes to (before any skip). */
    public int nextKmsgZone() {
        return kmsgCount == 0 ? 0 : (int) Math.floorMod(kmsgCursor.get(), (long) kmsgCount);
    }

    public int oopsCount() {
        return oopsCounter.get();
    }

    public int panicCount() {
        return panicCounter.get();
    }

    /** Whether anything waits for the device; allocates nothing. Call with the lock held. */
    private boolean hasDirtyData() {
        boolean dirty = !pendingKmsg.isEmpty();
        for (int i = 0; i < rings.size() && !dirty; i++) {
            dirty = rings.get(i).dirty();
        }
        return dirty;
    }

    /** Zones whose data waits in memory for the device. */
    public int dirtyZoneCount() {
        lock.lock();
        try {
            int n = pendingKmsg.size();
            for (RingZone ring : rings) {
                n += ring.dirty() ? 1 : 0;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** What went wrong while recovering or flushing (at most {@value #MAX_PROBLEMS} messages). */
    public List<String> problems() {
        lock.lock();
        try {
            List<String> list = new ArrayList<>(problems);
            if (problemCount > problems.size()) {
                list.add("... and " + (problemCount - problems.size()) + " more");
            }
            return Collections.unmodifiableList(list);
        } finally {
            lock.unlock();
        }
    }

    /** Reads every zone's headers from the device, in device order, without changing anything. */
    public void describeZones(Consumer<ZoneInfo> out) throws PstoreException {
        lock.lock();
        try {
            checkOpen();
            for (RingZone ring : rings) {
                out.accept(describe(ring.zone()));
            }
            for (int i = 0; i < kmsgCount; i++) {
                out.accept(describe(layout.kmsgZone(i)));
            }
        } finally {
            lock.unlock();
        }
    }

    private ZoneInfo describe(Zone zone) {
        ZoneHeader h;
        KmsgHeader k = null;
        try {
            if (zone.type() == RecordType.DMESG) {
                h = io.readKmsgHeaders(zone);
                k = io.lastKmsgHeader();
            } else {
                h = io.readHeader(zone);
            }
        } catch (SkipZoneException e) {
            return new ZoneInfo(zone, null, null, "skipped", e.getMessage());
        } catch (IOException e) {
            return new ZoneInfo(zone, null, null, "unreadable", e.getMessage());
        }
        if (h.sig() != zone.signature()) {
            return new ZoneInfo(zone, h, null, "empty", null);
        }
        if (h.datalenUnsigned() > zone.capacity() || h.startUnsigned() > zone.capacity()) {
            return new ZoneInfo(zone, h, k, "damaged", "datalen or start beyond the capacity " + zone.capacity());
        }
        if (k == null) {
            return h.startUnsigned() > h.datalenUnsigned()
                    ? new ZoneInfo(zone, h, null, "damaged", "start beyond datalen")
                    : new ZoneInfo(zone, h, null, h.datalen() == 0 ? "empty" : "record", null);
        }
        if (!k.valid()) {
            return new ZoneInfo(zone, h, k, "damaged", "bad kmsg magic");
        }
        if (h.datalen() == 0) {
            return new ZoneInfo(zone, h, k, "erased", null);
        }
        return h.datalen() < ZoneFormat.KMSG_HEADER_SIZE
                ? new ZoneInfo(zone, h, k, "damaged", "datalen shorter than the kmsg header")
                : new ZoneInfo(zone, h, k, "record", null);
    }
}
