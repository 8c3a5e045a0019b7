package org.pstore.benchmarks;

import java.nio.ByteBuffer;

import org.pstore.api.device.ForwardingStorageDevice;
import org.pstore.api.device.StorageDevice;

/**
 * A device that takes every write and panic write without moving a byte (reads go to the device
 * below, for recovery): an engine over it measures only the CPU work our path adds to the write
 * and force that the baseline does too, which a noisy disk cannot hide or inflate.
 */
final class CpuOnlyDevice extends ForwardingStorageDevice {

    CpuOnlyDevice(StorageDevice below) {
        super(below);
    }

    @Override
    public void write(long position, ByteBuffer src) {
        src.position(src.limit());
    }

    @Override
    public void panicWrite(long position, ByteBuffer src) {
        src.position(src.limit());
    }
}
