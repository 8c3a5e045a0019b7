package org.pstore.zone.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

import org.pstore.api.DumpReason;
import org.pstore.api.NoSuchRecordException;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreRecord;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.SkipZoneException;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.Zone;
import org.pstore.zone.ZoneLayout;
import org.pstore.zone.internal.RecordNames.RecordName;
import org.pstore.zone.internal.ZoneFormat.ZoneHeader;

/**
 * The kmsg zones, as Linux's {@code psz_kmsg_recover_*}, {@code psz_kmsg_write_record} and
 * {@code psz_kmsg_read} handle them: recovery, the records held (their headers, not their text),
 * the round-robin cursor and the oops and panic counters, placing a dump, erasing, the checksum
 * and inflating.
 *
 * <p>Not thread-safe, except {@link #claimNext}, {@link #nextCounter} and {@link #unreadable},
 * which the panic path calls without the engine's lock. Every write of a zone goes through the
 * {@link PanicHandOff}, so that none lands on a zone a panic took meanwhile.
 */
public final class KmsgZones {

    private final StorageDevice device;
    private final ZoneLayout layout;
    private final ZoneIo io;
    private final Problems problems;
    private final RecordNames names;
    private final Runnable retryLater;
    private final PanicHandOff handOff;
    private final int count;
    private final int textCapacity;

    /** kmsg zones that hold a record now: their headers. */
    private final KmsgTable records;
    /** kmsg zone images (both headers and the text) the device has not taken yet. */
    private final TreeMap<Integer, byte[]> pending = new TreeMap<>();
    /** kmsg zones that could not be read when opened: not written, so as not to destroy a record. */
    private final BitSet unreadable = new BitSet();
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger oopsCounter = new AtomicInteger();
    private final AtomicInteger panicCounter = new AtomicInteger();

    private final ZoneImage image; // the kmsg zone image being written
    private final Deflater deflater = KmsgCompression.newDeflater();
    private final CRC32C crc = new CRC32C();

    /** @param retryLater called when an image waits in memory for the device */
    public KmsgZones(StorageDevice device, ZoneLayout layout, ZoneIo io, Problems problems, RecordNames names,
                     PanicHandOff handOff, Runnable retryLater) {
        this.handOff = handOff;
        this.device = device;
        this.layout = layout;
        this.io = io;
        this.problems = problems;
        this.names = names;
        this.retryLater = retryLater;
        this.count = (int) layout.kmsgCount(device.size());
        this.textCapacity = Math.max(0, (int) layout.kmsgSize() - ZoneFormat.KMSG_TEXT_OFFSET);
        this.records = new KmsgTable(count);
        this.image = new ZoneImage(count == 0 ? 0 : (int) layout.kmsgSize());
    }

    // ---- recovery

    /** Reads every kmsg zone's headers: records, counters, the next zone; unreadable ones are never written. */
    public void recover() {
        long newest = 0;
        int next = 0;
        for (int i = 0; i < count; i++) {
            Zone zone = layout.kmsgZone(i);
            ZoneHeader h;
            try {
                h = io.readKmsgHeaders(zone);
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                unreadable.set(i);
                problems.add("kmsg zone " + i + " at " + zone.offset() + " could not be read: " + e.getMessage());
                continue;
            }
            if (h.sig() != zone.signature()) {
                continue;
            }
            if (h.datalenUnsigned() > zone.capacity()) {
                problems.add("kmsg zone " + i + ": datalen " + h.datalen() + " exceeds the capacity " + zone.capacity());
                continue;
            }
            // decoded in place: a full partition has tens of thousands of these
            ByteBuffer k = io.lastHeaders();
            int at = ZoneFormat.HEADER_SIZE;
            if (k.getInt(at + ZoneFormat.KMSG_OFF_MAGIC) != ZoneFormat.KMSG_MAGIC) {
                continue;
            }
            // the newest zone (ties to the higher index) decides where the next dump goes;
            // erased zones count too, as their headers keep the time and counters
            long seconds = k.getLong(at + ZoneFormat.KMSG_OFF_TIME_SEC);
            if (seconds >= newest) {
                newest = seconds;
                next = (i + 1) % count;
            }
            int reason = k.getInt(at + ZoneFormat.KMSG_OFF_REASON);
            int counter = k.getInt(at + ZoneFormat.KMSG_OFF_COUNTER);
            if (reason == DumpReason.OOPS.code()) {
                oopsCounter.accumulateAndGet(counter, KmsgZones::maxUnsigned);
            } else if (reason == DumpReason.PANIC.code()) {
                panicCounter.accumulateAndGet(counter, KmsgZones::maxUnsigned);
            }
            if (h.datalen() == 0) {
                continue;
            }
            if (h.datalen() < ZoneFormat.KMSG_HEADER_SIZE) {
                problems.add("kmsg zone " + i + ": datalen " + h.datalen() + " is shorter than the kmsg header");
                continue;
            }
            records.put(i, h.datalen(), k);
        }
        cursor.set(next);
    }

    private static int maxUnsigned(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    /**
     * Re-reads a zone another path wrote (the panic path): its record replaces what was held, and
     * anything still waiting for the zone is dropped, as the zone now holds something newer.
     */
    public void refresh(int index) {
        pending.remove(index);
        records.remove(index);
        Zone zone = layout.kmsgZone(index);
        try {
            ZoneHeader h = io.readKmsgHeaders(zone);
            ByteBuffer k = io.lastHeaders();
            if (h.sig() == zone.signature()
                    && k.getInt(ZoneFormat.HEADER_SIZE + ZoneFormat.KMSG_OFF_MAGIC) == ZoneFormat.KMSG_MAGIC
                    && h.datalen() >= ZoneFormat.KMSG_HEADER_SIZE && h.datalenUnsigned() <= zone.capacity()) {
                records.put(index, h.datalen(), k);
            }
        } catch (IOException e) {
            problems.add("kmsg zone " + index + " could not be re-read after a panic write: " + e.getMessage());
        }
    }

    // ---- the cursor and the counters

    public int count() {
        return count;
    }

    public void checkZones() throws PstoreException {
        if (count == 0) {
            throw new PstoreException("the layout has no kmsg zones (kmsg-size 0)");
        }
    }

    /** Takes the next zone round-robin; thread-safe and allocation-free. */
    public int claimNext() {
        return (int) Math.floorMod(cursor.getAndIncrement(), (long) count);
    }

    /** The kmsg zone the next dump goes to (before any skip). */
    public int next() {
        return count == 0 ? 0 : (int) Math.floorMod(cursor.get(), (long) count);
    }

    /** Whether the zone could not be read at open (and so is never written); thread-safe after open. */
    public boolean unreadable(int index) {
        return unreadable.get(index);
    }

    /** The counter of the next dump of this reason; thread-safe and allocation-free. */
    public int nextCounter(DumpReason reason) {
        return reason == DumpReason.OOPS ? oopsCounter.incrementAndGet()
                : reason == DumpReason.PANIC ? panicCounter.incrementAndGet() : 0;
    }

    public int oopsCount() {
        return oopsCounter.get();
    }

    public int panicCount() {
        return panicCounter.get();
    }

    public int maxInflatedSize() {
        return KmsgCompression.maxInflatedSize(textCapacity);
    }

    // ---- listing and reading

    /** Adds the records held to {@code out}; one that cannot be read is reported, never hiding the others. */
    public List<PstoreRecord> addRecords(List<PstoreRecord> out) {
        for (int zone = records.next(0); zone >= 0; zone = records.next(zone + 1)) {
            try {
                if (!intact(zone)) {
                    continue;
                }
                boolean raw = records.compressed(zone) && inflatedSize(zone) == KmsgTable.NOT_INFLATABLE;
                long size = !records.compressed(zone) ? totalLine(zone).length + records.textLength(zone)
                        : raw ? records.textLength(zone) : records.inflatedSize(zone);
                out.add(new PstoreRecord(names.name(RecordType.DMESG, zone, raw), RecordType.DMESG, zone,
                        records.time(zone), size));
            } catch (PstoreException unreadableText) {
                problems.add(unreadableText.getMessage());
            }
        }
        return out;
    }

    public byte[] read(RecordName n, String name) throws PstoreException {
        int zone = n.id();
        if (!records.holds(zone)) {
            throw new NoSuchRecordException(name);
        }
        if (!intact(zone)) {
            throw new PstoreException(name + " is damaged: its checksum does not match its bytes");
        }
        byte[] stored = storedText(zone);
        if (!records.compressed(zone)) {
            if (n.compressed()) {
                throw new NoSuchRecordException(name);
            }
            byte[] line = totalLine(zone);
            byte[] out = Arrays.copyOf(line, line.length + stored.length);
            System.arraycopy(stored, 0, out, line.length, stored.length);
            return out;
        }
        byte[] text = KmsgCompression.inflate(stored, maxInflatedSize());
        records.inflatedSize(zone, text == null ? KmsgTable.NOT_INFLATABLE : text.length);
        if ((text == null) != n.compressed()) {
            throw new NoSuchRecordException(name);
        }
        return text == null ? stored : text;
    }

    /** Whether the listing shows this name; cheap once the record was listed or read. */
    private boolean exists(RecordName n) throws PstoreException {
        int zone = n.id();
        if (!records.holds(zone) || !intact(zone)) {
            return false;
        }
        boolean raw = records.compressed(zone) && inflatedSize(zone) == KmsgTable.NOT_INFLATABLE;
        return raw == n.compressed();
    }

    /**
     * Whether a record we wrote still has the bytes its checksum covers (a power cut between its
     * sectors leaves a header over old text). Checked once per record, over the headers and text as
     * stored, and reported when it fails.
     */
    private boolean intact(int zone) throws PstoreException {
        if (!records.checked(zone)) {
            boolean intact = true;
            if (records.checksummed(zone)) {
                ByteBuffer stored = storedZone(zone);
                intact = stored.getInt(ZoneFormat.HEADER_SIZE + ZoneFormat.KMSG_OFF_CHECKSUM)
                        == ZoneFormat.checksum(crc, stored, stored.duplicate().position(ZoneFormat.KMSG_TEXT_OFFSET));
            }
            records.intact(zone, intact);
            if (!intact) {
                problems.add("kmsg zone " + zone + ": checksum mismatch, the record is damaged (torn by a power cut?)");
            }
        }
        return records.intact(zone);
    }

    private int inflatedSize(int zone) throws PstoreException {
        if (records.inflatedSize(zone) == KmsgTable.SIZE_UNKNOWN) {
            byte[] text = KmsgCompression.inflate(storedText(zone), maxInflatedSize());
            records.inflatedSize(zone, text == null ? KmsgTable.NOT_INFLATABLE : text.length);
        }
        return records.inflatedSize(zone);
    }

    /** Linux's first line of an uncompressed dump: {@code <Reason>: Total <counter> times}. */
    private byte[] totalLine(int zone) {
        return (DumpReason.labelOf(records.reason(zone)) + ": Total " + records.counter(zone) + " times\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The record's text as stored (compressed or not). */
    private byte[] storedText(int zone) throws PstoreException {
        ByteBuffer stored = storedZone(zone);
        return Arrays.copyOfRange(stored.array(), ZoneFormat.KMSG_TEXT_OFFSET, stored.limit());
    }

    /** The zone's first bytes as stored: both headers and the text, from memory while it waits. */
    private ByteBuffer storedZone(int zone) throws PstoreException {
        int length = ZoneFormat.HEADER_SIZE + records.datalen(zone);
        byte[] waiting = pending.get(zone);
        if (waiting != null) {
            return ZoneFormat.le(Arrays.copyOf(waiting, length));
        }
        ByteBuffer stored = ZoneFormat.le(new byte[length]);
        try {
            io.readZone(layout.kmsgZone(zone), stored);
        } catch (IOException e) {
            throw new PstoreException("reading " + names.name(RecordType.DMESG, zone, false) + ": " + e.getMessage(), e);
        }
        return stored.flip();
    }

    // ---- erasing

    /**
     * Linux rewrites only the zone header with datalen 0, so the kmsg header and its counters stay;
     * a device with its own erase (NAND) erases instead.
     */
    public void erase(RecordName n, String name) throws PstoreException {
        if (!exists(n)) {
            throw new NoSuchRecordException(name);
        }
        int index = n.id();
        Zone zone = layout.kmsgZone(index);
        if (handOff.beginWrite(index)) {
            try {
                if (device.hasErase()) {
                    device.erase(zone.offset(), zone.size());
                } else {
                    io.writeHeader(zone, 0, 0);
                }
            } catch (IOException e) {
                throw new PstoreException("erasing " + name + ": " + e.getMessage(), e);
            } finally {
                handOff.endWrite();
            }
        } // else a panic took the zone meanwhile: its record replaces the one erased
        records.remove(index);
        pending.remove(index);
    }

    // ---- writing

    /** Writes a dump to the next zone: Linux's {@code psz_kmsg_write_record}. */
    public WriteStatus dump(DumpReason reason, byte[] text, boolean compress, Instant now) throws PstoreException {
        checkZones();
        int counter = nextCounter(reason);
        image.putRecord(ByteBuffer.wrap(text), compress, deflater, layout.dumpCapacity(true), crc,
                now.getEpochSecond(), now.getNano(), counter, reason.code());
        return place();
    }

    /**
     * Writes the zone image to the next kmsg zone round-robin; a zone the device skips gives way to
     * the next. The zone is written whole, zeros after the text, as Linux writes kmsg zones. Only an
     * image the device could not take is copied, to wait in memory.
     */
    private WriteStatus place() throws PstoreException {
        ByteBuffer zone = image.buffer();
        int datalen = zone.getInt(ZoneFormat.OFF_DATALEN);
        for (int tries = 0; tries < count; tries++) {
            int index = claimNext();
            if (unreadable.get(index) || !handOff.beginWrite(index)) {
                continue;
            }
            try {
                device.write(layout.kmsgZoneOffset(index), zone.clear());
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                io.remember(layout.kmsgZone(index), e);
                byte[] waiting = new byte[ZoneFormat.HEADER_SIZE + datalen];
                zone.get(0, waiting);
                pending.put(index, waiting);
                records.put(index, datalen, zone);
                retryLater.run();
                return WriteStatus.PENDING;
            } finally {
                handOff.endWrite();
            }
            pending.remove(index);
            records.put(index, datalen, zone);
            return WriteStatus.STORED;
        }
        throw new PstoreException("no kmsg zone could take the record: all " + count
                + " were skipped by the device or unreadable");
    }

    /**
     * Writes the images that wait in memory. Returns true when none is left. A zone a panic took
     * meanwhile is left alone; taking the panic's zones in drops its stale image.
     */
    public boolean flush() {
        if (pending.isEmpty()) {
            return true;
        }
        for (Map.Entry<Integer, byte[]> e : new ArrayList<>(pending.entrySet())) {
            int index = e.getKey();
            if (!handOff.beginWrite(index)) {
                continue;
            }
            image.load(e.getValue());
            try {
                device.write(layout.kmsgZoneOffset(index), image.buffer());
                pending.remove(index);
            } catch (SkipZoneException skip) {
                handOff.endWrite();
                // the zone went bad meanwhile: the record moves on to the next zone
                pending.remove(index);
                records.remove(index);
                try {
                    place();
                } catch (PstoreException full) {
                    problems.add("a pending kmsg record was lost: " + full.getMessage());
                }
            } catch (IOException failed) {
                io.remember(layout.kmsgZone(index), failed);
            } finally {
                handOff.endWrite();
            }
        }
        return pending.isEmpty();
    }

    /** Whether this kmsg zone's image waits in memory. */
    public boolean pending(int index) {
        return pending.containsKey(index);
    }

    /** Zones whose image waits in memory. */
    public int pendingCount() {
        return pending.size();
    }

    public void close() {
        deflater.end();
    }
}
