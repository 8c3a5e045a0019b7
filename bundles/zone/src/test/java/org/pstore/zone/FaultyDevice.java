package org.pstore.zone;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.pstore.api.device.ForwardingStorageDevice;
import org.pstore.api.device.StorageDevice;

/**
 * Wraps any device and injects faults: the power goes after the Nth writing operation (write,
 * panic write, erase), with the whole sectors before a chosen point of the operation in progress
 * landing, as on a medium that programs 512-byte sectors atomically; reads and writes fail on
 * demand; writes come back short (a prefix landed, then an error). With {@link #loseAtCut}, the cut
 * also loses what the medium below had not made durable (a volatile cache's unforced bytes).
 */
public final class FaultyDevice extends ForwardingStorageDevice {

    public static final int SECTOR = 512;

    private long operations;
    private long cutAfter = Long.MAX_VALUE;
    private double landedFraction;
    private boolean powerLost;
    private Runnable loseAtCut = () -> { };
    public volatile boolean failReads;
    public volatile boolean failWrites;
    public volatile boolean shortWrites;

    public FaultyDevice(StorageDevice target) {
        super(target);
    }

    /**
     * The power goes during writing operation number {@code n} (0 = the first): of that operation,
     * the whole sectors before {@code landedFraction} of its bytes land, nothing after.
     */
    public synchronized void cutPowerAt(long n, double landedFraction) {
        this.cutAfter = n;
        this.landedFraction = landedFraction;
    }

    /**
     * At the cut, after the landed part of the operation in progress, runs {@code volatileCache}:
     * what drops every byte not yet forced to the medium (see {@link VolatileCacheFiles}).
     */
    public synchronized void loseAtCut(Runnable volatileCache) {
        this.loseAtCut = volatileCache;
    }

    /** Writing operations seen so far (those that failed included). */
    public synchronized long operations() {
        return operations;
    }

    public synchronized boolean powerLost() {
        return powerLost;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        if (failReads || powerLost()) {
            throw new IOException("injected read failure at " + position);
        }
        target.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        beforeWrite(position, src, false);
        target.write(position, src);
    }

    @Override
    public void panicWrite(long position, ByteBuffer src) throws IOException {
        beforeWrite(position, src, true);
        target.panicWrite(position, src);
    }

    @Override
    public void erase(long position, long length) throws IOException {
        synchronized (this) {
            checkPower();
            if (operations++ == cutAfter) {
                powerLost = true;
                loseAtCut.run();
                throw new IOException("power cut before erasing at " + position);
            }
        }
        target.erase(position, length);
    }

    private void beforeWrite(long position, ByteBuffer src, boolean panic) throws IOException {
        synchronized (this) {
            checkPower();
            if (operations++ == cutAfter) {
                powerLost = true;
                land(position, src, (long) (src.remaining() * landedFraction), panic);
                loseAtCut.run();
                throw new IOException("power cut while writing " + src.remaining() + " bytes at " + position);
            }
        }
        if (failWrites) {
            throw new IOException("injected write failure at " + position);
        }
        if (shortWrites && src.remaining() > SECTOR) {
            land(position, src, src.remaining() / 2, panic);
            throw new IOException("short write at " + position);
        }
    }

    /** Lets the whole sectors that end before {@code upTo} bytes of {@code src} reach the medium. */
    private void land(long position, ByteBuffer src, long upTo, boolean panic) throws IOException {
        long end = Math.floorDiv(position + upTo, SECTOR) * SECTOR;
        int length = (int) Math.max(0, end - position);
        if (length > 0) {
            ByteBuffer prefix = src.duplicate().limit(src.position() + length);
            if (panic) {
                target.panicWrite(position, prefix);
            } else {
                target.write(position, prefix);
            }
        }
    }

    private void checkPower() throws IOException {
        if (powerLost) {
            throw new IOException("no power");
        }
    }
}
