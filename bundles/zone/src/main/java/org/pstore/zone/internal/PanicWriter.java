package org.pstore.zone.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.SkipZoneException;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.ZoneLayout;

/**
 * The panic path, Linux's {@code psz_kmsg_write} in panic mode: a kmsg record written synchronously
 * through the device's panic write, from buffers and a deflater prepared at open so that it
 * allocates nothing, waiting at most {@link #LOCK_WAIT_NANOS} for the engine's lock. The zones it
 * wrote are handed over to the engine, which takes them in under its lock.
 */
public final class PanicWriter {

    /** How long the panic path waits for a lock held by another thread before writing without it. */
    public static final long LOCK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final StorageDevice device;
    private final ZoneLayout layout;
    private final KmsgZones kmsg;
    private final Clock clock;
    private final AtomicBoolean panicking = new AtomicBoolean();
    private final ByteBuffer zone;
    private final ByteBuffer text;
    private final Deflater deflater = KmsgCompression.newDeflater();
    private final CRC32C crc = new CRC32C();
    /** Zones the panic path wrote, re-read under the lock before anything else looks at them. */
    private final int[] written = new int[8];
    private final AtomicInteger writtenCount = new AtomicInteger();

    public PanicWriter(StorageDevice device, ZoneLayout layout, KmsgZones kmsg, Clock clock) {
        this.device = device;
        this.layout = layout;
        this.kmsg = kmsg;
        this.clock = clock;
        int size = kmsg.count() == 0 ? 0 : (int) layout.kmsgSize();
        this.zone = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        this.text = kmsg.count() == 0 ? zone : zone.duplicate().position(ZoneFormat.KMSG_TEXT_OFFSET).slice();
    }

    /** Takes the engine's lock if it comes free within {@link #LOCK_WAIT_NANOS}; returns whether it did. */
    public static boolean lockBriefly(ReentrantLock lock) {
        long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
        while (!lock.tryLock()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /**
     * Writes the dump to the next kmsg zone. The text is read from the buffer's position to its
     * limit, which are left as they were. Every failure is reported.
     */
    public WriteStatus write(DumpReason reason, ByteBuffer dump, boolean compress) throws PstoreException {
        if (!device.hasPanicWrite()) {
            throw new PstoreException(device.name() + " has no panic write: the panic record is lost");
        }
        if (!panicking.compareAndSet(false, true)) {
            throw new PstoreException("another panic write is in progress");
        }
        try {
            return writeRecord(reason, dump, compress);
        } finally {
            panicking.set(false);
        }
    }

    private WriteStatus writeRecord(DumpReason reason, ByteBuffer dump, boolean compress) throws PstoreException {
        int position = dump.position();
        for (int i = 0; i < zone.capacity(); i += Long.BYTES) {
            zone.putLong(i, 0L);
        }
        text.clear();
        int stored = KmsgCompression.putText(dump, compress, text, deflater, layout.dumpCapacity(true));
        dump.position(position);
        long millis = clock.millis();
        ZoneFormat.putHeader(zone, 0, ZoneFormat.signature(RecordType.DMESG),
                ZoneFormat.KMSG_HEADER_SIZE + Math.abs(stored), 0);
        ZoneFormat.putKmsgHeader(zone, Math.floorDiv(millis, 1000L), Math.floorMod(millis, 1000L) * 1_000_000L,
                stored < 0, kmsg.nextCounter(reason), reason.code(), crc, text.flip());
        for (int tries = 0; tries < kmsg.count(); tries++) {
            int index = kmsg.claimNext();
            zone.clear();
            try {
                device.panicWrite(layout.kmsgZoneOffset(index), zone);
            } catch (SkipZoneException e) {
                continue;
            } catch (IOException e) {
                throw new PstoreException("panic write to kmsg zone " + index + " failed: " + e.getMessage(), e);
            }
            noteWritten(index);
            return WriteStatus.STORED;
        }
        throw new PstoreException("no kmsg zone could take the panic record: the device skipped all " + kmsg.count());
    }

    private void noteWritten(int index) {
        int slot = writtenCount.getAndIncrement();
        if (slot >= 0 && slot < written.length) {
            written[slot] = index;
        }
    }

    /** Re-reads the zones the panic path wrote, so listing and flushing see its records. Under the lock. */
    public void takeIn() {
        int count = writtenCount.get();
        if (count == 0 || panicking.get()) {
            return;
        }
        for (int i = 0; i < Math.min(count, written.length); i++) {
            kmsg.refresh(written[i]);
        }
        if (count > written.length || count < 0) {
            for (int i = 0; i < kmsg.count(); i++) {
                kmsg.refresh(i);
            }
        }
        writtenCount.addAndGet(-count);
    }

    public void close() {
        deflater.end();
    }
}
