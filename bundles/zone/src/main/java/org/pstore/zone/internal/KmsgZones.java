package org.pstore.zone.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import org.pstore.zone.internal.ZoneFormat.KmsgHeader;
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

    /** kmsg zones that hold a record now, by zone index. */
    private final TreeMap<Integer, KmsgRecord> records = new TreeMap<>();
    /** kmsg zone images (both headers and the text) the device has not taken yet. */
    private final TreeMap<Integer, byte[]> pending = new TreeMap<>();
    /** kmsg zones that could not be read when opened: not written, so as not to destroy a record. */
    private final BitSet unreadable = new BitSet();
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger oopsCounter = new AtomicInteger();
    private final AtomicInteger panicCounter = new AtomicInteger();

    /** The kmsg zone image being written; zero beyond {@link #imageUsed}. */
    private final ByteBuffer image;
    private int imageUsed;
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
        this.image = ByteBuffer.allocate(count == 0 ? 0 : (int) layout.kmsgSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---- recovery

    /**
     * Reads every kmsg zone's headers: the records held, the counters, and where the next dump
     * goes (after the newest zone). Zones that cannot be read are reported and never written.
     */
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
            KmsgHeader k = io.lastKmsgHeader();
            if (!k.valid()) {
                continue;
            }
            // the newest zone (ties to the higher index) decides where the next dump goes;
            // erased zones count too, as their headers keep the time and counters
            if (k.seconds() >= newest) {
                newest = k.seconds();
                next = (i + 1) % count;
            }
            if (k.reason() == DumpReason.OOPS.code()) {
                oopsCounter.accumulateAndGet(k.counter(), KmsgZones::maxUnsigned);
            } else if (k.reason() == DumpReason.PANIC.code()) {
                panicCounter.accumulateAndGet(k.counter(), KmsgZones::maxUnsigned);
            }
            if (h.datalen() == 0) {
                continue;
            }
            if (h.datalen() < ZoneFormat.KMSG_HEADER_SIZE) {
                problems.add("kmsg zone " + i + ": datalen " + h.datalen() + " is shorter than the kmsg header");
                continue;
            }
            records.put(i, new KmsgRecord(i, h.datalen(), k));
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
            KmsgHeader k = io.lastKmsgHeader();
            if (h.sig() == zone.signature() && k.valid() && h.datalen() >= ZoneFormat.KMSG_HEADER_SIZE
                    && h.datalenUnsigned() <= zone.capacity()) {
                records.put(index, new KmsgRecord(index, h.datalen(), k));
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
        for (KmsgRecord r : records.values()) {
            try {
                if (!intact(r)) {
                    continue;
                }
                boolean raw = r.header.compressed() && inflatedSize(r) == KmsgRecord.NOT_INFLATABLE;
                long size = !r.header.compressed() ? totalLine(r).length + r.textLength()
                        : raw ? r.textLength() : r.inflatedSize;
                out.add(new PstoreRecord(names.name(RecordType.DMESG, r.zone, raw), RecordType.DMESG, r.zone, r.time(), size));
            } catch (PstoreException unreadableText) {
                problems.add(unreadableText.getMessage());
            }
        }
        return out;
    }

    public byte[] read(RecordName n, String name) throws PstoreException {
        KmsgRecord r = records.get(n.id());
        if (r == null) {
            throw new NoSuchRecordException(name);
        }
        if (!intact(r)) {
            throw new PstoreException(name + " is damaged: its checksum does not match its bytes");
        }
        byte[] stored = storedText(r);
        if (!r.header.compressed()) {
            if (n.compressed()) {
                throw new NoSuchRecordException(name);
            }
            byte[] line = totalLine(r);
            byte[] out = Arrays.copyOf(line, line.length + stored.length);
            System.arraycopy(stored, 0, out, line.length, stored.length);
            return out;
        }
        byte[] text = KmsgCompression.inflate(stored, maxInflatedSize());
        r.inflatedSize = text == null ? KmsgRecord.NOT_INFLATABLE : text.length;
        if ((text == null) != n.compressed()) {
            throw new NoSuchRecordException(name);
        }
        return text == null ? stored : text;
    }

    /** Whether the listing shows this name; cheap once the record was listed or read. */
    private boolean exists(RecordName n) throws PstoreException {
        KmsgRecord r = records.get(n.id());
        if (r == null || !intact(r)) {
            return false;
        }
        boolean raw = r.header.compressed() && inflatedSize(r) == KmsgRecord.NOT_INFLATABLE;
        return raw == n.compressed();
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
                problems.add("kmsg zone " + r.zone + ": checksum mismatch, the record is damaged (torn by a power cut?)");
            }
        }
        return r.intact;
    }

    private int inflatedSize(KmsgRecord r) throws PstoreException {
        if (r.inflatedSize == KmsgRecord.SIZE_UNKNOWN) {
            byte[] text = KmsgCompression.inflate(storedText(r), maxInflatedSize());
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
        byte[] waiting = pending.get(r.zone);
        if (waiting != null) {
            return Arrays.copyOfRange(waiting, ZoneFormat.KMSG_TEXT_OFFSET, ZoneFormat.HEADER_SIZE + r.datalen);
        }
        byte[] text = new byte[r.textLength()];
        try {
            io.readData(layout.kmsgZone(r.zone), ZoneFormat.KMSG_HEADER_SIZE, ByteBuffer.wrap(text));
        } catch (IOException e) {
            throw new PstoreException("reading " + names.name(RecordType.DMESG, r.zone, false) + ": " + e.getMessage(), e);
        }
        return text;
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
        int counter = nextCounter(reason);
        ByteBuffer textArea = image.clear().duplicate().position(ZoneFormat.KMSG_TEXT_OFFSET).slice();
        int textLength = KmsgCompression.putText(ByteBuffer.wrap(text), compress, textArea, deflater,
                layout.dumpCapacity(true));
        boolean compressed = textLength < 0;
        int datalen = ZoneFormat.KMSG_HEADER_SIZE + Math.abs(textLength);
        // a compression that did not fit may have filled the whole zone before giving up
        zeroImage(ZoneFormat.HEADER_SIZE + datalen, compress && !compressed ? image.capacity() : imageUsed);
        ZoneFormat.putHeader(image, 0, ZoneFormat.signature(RecordType.DMESG), datalen, 0);
        ZoneFormat.putKmsgHeader(image, now.getEpochSecond(), now.getNano(), compressed, counter, reason.code(),
                crc, textArea.flip());
        return place();
    }

    /** Zeroes the zone image from {@code from} up to {@code to}, where earlier images left bytes. */
    private void zeroImage(int from, int to) {
        if (to > from) {
            Arrays.fill(image.array(), from, to, (byte) 0);
        }
        imageUsed = from;
    }

    /** Puts a pending image back into the zone image, zeros after it. */
    private void loadImage(byte[] waiting) {
        System.arraycopy(waiting, 0, image.array(), 0, waiting.length);
        zeroImage(waiting.length, imageUsed);
    }

    /**
     * Writes the zone image to the next kmsg zone round-robin; a zone the device skips gives way to
     * the next. The zone is written whole, zeros after the text, as Linux writes kmsg zones. Only an
     * image the device could not take is copied, to wait in memory.
     */
    private WriteStatus place() throws PstoreException {
        int datalen = image.getInt(ZoneFormat.OFF_DATALEN);
        for (int tries = 0; tries < count; tries++) {
            int index = claimNext();
            if (unreadable.get(index) || !handOff.beginWrite(index)) {
                continue;
            }
            KmsgRecord meta = new KmsgRecord(index, datalen, KmsgHeader.decode(image));
            try {
                device.write(layout.kmsgZoneOffset(index), image.clear());
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                io.remember(layout.kmsgZone(index), e);
                pending.put(index, Arrays.copyOf(image.array(), ZoneFormat.HEADER_SIZE + datalen));
                records.put(index, meta);
                retryLater.run();
                return WriteStatus.PENDING;
            } finally {
                handOff.endWrite();
            }
            pending.remove(index);
            records.put(index, meta);
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
            loadImage(e.getValue());
            try {
                device.write(layout.kmsgZoneOffset(index), image.clear());
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
