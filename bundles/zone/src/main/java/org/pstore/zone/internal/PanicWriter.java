package org.pstore.zone.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

import org.pstore.api.DumpReason;
import org.pstore.api.PstoreException;
import org.pstore.api.WriteStatus;
import org.pstore.api.device.SkipZoneException;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.ZoneLayout;

/**
 * The panic path, Linux's {@code psz_kmsg_write} in panic mode: a kmsg record written synchronously
 * through the device's panic write, from buffers and a deflater prepared at open so that it
 * allocates nothing, waiting at most {@link #LOCK_WAIT_NANOS} for the engine's lock. It never writes
 * a zone that could not be read at open, nor one the normal path is writing; the zones it wrote are
 * handed over ({@link PanicHandOff}) and taken in under the lock. One panic at a time; closing waits
 * for a running one and refuses any later one, as the deflater ends.
 */
public final class PanicWriter {

    /** How long the panic path waits for a lock held by another thread before writing without it. */
    public static final long LOCK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How long closing waits for a panic write that runs without the lock. */
    static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int CLOSED = 2;

    private final StorageDevice device;
    private final ZoneLayout layout;
    private final KmsgZones kmsg;
    private final Clock clock;
    private final PanicHandOff handOff;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final ZoneImage image;
    private final Deflater deflater = KmsgCompression.newDeflater();
    private final CRC32C crc = new CRC32C();
    private final IntConsumer refresh;

    public PanicWriter(StorageDevice device, ZoneLayout layout, KmsgZones kmsg, PanicHandOff handOff, Clock clock) {
        this.device = device;
        this.handOff = handOff;
        this.refresh = kmsg::refresh;
        this.layout = layout;
        this.kmsg = kmsg;
        this.clock = clock;
        this.image = new ZoneImage(kmsg.count() == 0 ? 0 : (int) layout.kmsgSize());
    }

    /**
     * Writes the dump, having waited at most {@link #LOCK_WAIT_NANOS} for the engine's lock; when the
     * lock came free, runs {@code whileLocked} after the write, then releases the lock.
     */
    public WriteStatus dump(ReentrantLock lock, Runnable whileLocked, DumpReason reason, ByteBuffer dump,
                            boolean compress) throws PstoreException {
        boolean locked = lockBriefly(lock);
        try {
            return write(reason, dump, compress);
        } finally {
            if (locked) {
                try {
                    whileLocked.run();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private static boolean lockBriefly(ReentrantLock lock) {
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
    private WriteStatus write(DumpReason reason, ByteBuffer dump, boolean compress) throws PstoreException {
        kmsg.checkZones();
        if (!device.hasPanicWrite()) {
            throw new PstoreException(device.name() + " has no panic write: the panic record is lost");
        }
        if (!state.compareAndSet(IDLE, RUNNING)) {
            throw new PstoreException(state.get() == CLOSED ? "the pstore engine on " + device.name() + " is closed"
                    : "another panic write is in progress");
        }
        try {
            return writeRecord(reason, dump, compress);
        } finally {
            state.set(IDLE);
        }
    }

    private WriteStatus writeRecord(DumpReason reason, ByteBuffer dump, boolean compress) throws PstoreException {
        long millis = clock.millis();
        image.putRecord(dump, compress, deflater, layout.dumpCapacity(true), crc, Math.floorDiv(millis, 1000L),
                Math.floorMod(millis, 1000L) * 1_000_000L, kmsg.nextCounter(reason), reason.code());
        for (int tries = 0; tries < kmsg.count(); tries++) {
            int index = kmsg.claimNext();
            if (kmsg.unreadable(index) || !handOff.claim(index)) {
                continue;
            }
            try {
                device.panicWrite(layout.kmsgZoneOffset(index), image.buffer());
            } catch (SkipZoneException e) {
                handOff.release();
                continue;
            } catch (IOException e) {
                handOff.release();
                throw new PstoreException("panic write to kmsg zone " + index + " failed: " + e.getMessage(), e);
            }
            handOff.written(index);
            return WriteStatus.STORED;
        }
        throw new PstoreException("no kmsg zone could take the panic record: all " + kmsg.count()
                + " were skipped by the device, unreadable or being written");
    }

    /** Re-reads the zones panics wrote, so listing and flushing see their records. Under the lock. */
    public void takeIn() {
        handOff.takeIn(refresh);
    }

    /**
     * Refuses later panics and waits up to {@link #CLOSE_WAIT_NANOS} for a running one, then ends
     * the deflater. Returns false when a panic was still running: its deflater is left to the
     * garbage collector rather than pulled from under it.
     */
    public boolean close() {
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (!state.compareAndSet(IDLE, CLOSED)) {
            if (state.get() == CLOSED) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        deflater.end();
        return true;
    }
}
