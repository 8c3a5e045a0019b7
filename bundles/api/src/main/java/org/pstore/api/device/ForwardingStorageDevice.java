package org.pstore.api.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device that passes everything to another: the base of driver components (which own their
 * device's lifecycle) and of wrappers that change one operation.
 */
public abstract class ForwardingStorageDevice implements StorageDevice {

    protected final StorageDevice target;

    protected ForwardingStorageDevice(StorageDevice target) {
        this.target = target;
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public long size() {
        return target.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        target.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        target.write(position, src);
    }

    @Override
    public boolean hasPanicWrite() {
        return target.hasPanicWrite();
    }

    @Override
    public void panicWrite(long position, ByteBuffer src) throws IOException {
        target.panicWrite(position, src);
    }

    @Override
    public boolean hasErase() {
        return target.hasErase();
    }

    @Override
    public void erase(long position, long length) throws IOException {
        target.erase(position, length);
    }

    @Override
    public DeviceFigures figures() {
        return target.figures();
    }

    @Override
    public void close() throws IOException {
        target.close();
    }

    @Override
    public String toString() {
        return target.toString();
    }
}
