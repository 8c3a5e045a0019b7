package org.pstore.zone;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.pstore.api.device.SkipZoneException;
import org.pstore.api.device.StorageDevice;

/**
 * An in-memory device for engine tests, with switches to fail writes, fail reads of a range, skip a
 * range like a bad NAND block, and a log of the writes it took.
 */
public class MemoryDevice implements StorageDevice {

    final byte[] bytes;
    boolean failWrites;
    boolean panicWrite = true;
    long failReadsFrom = -1;
    long failReadsTo = -1;
    long skipFrom = -1;
    long skipTo = -1;
    long bytesRead;
    boolean log = true;
    final List<long[]> writes = new ArrayList<>();
    final List<long[]> panicWrites = new ArrayList<>();

    public MemoryDevice(int size) {
        this.bytes = new byte[size];
    }

    public MemoryDevice(byte[] image) {
        this.bytes = image;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        if (position < failReadsTo && position + dst.remaining() > failReadsFrom) {
            throw new IOException("injected read failure at " + position);
        }
        bytesRead += dst.remaining();
        dst.put(bytes, (int) position, dst.remaining());
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (failWrites) {
            throw new IOException("injected write failure at " + position);
        }
        if (position < skipTo && position + src.remaining() > skipFrom) {
            throw new SkipZoneException("injected skip at " + position);
        }
        if (log) {
            writes.add(new long[] {position, src.remaining()});
        }
        src.get(bytes, (int) position, src.remaining());
    }

    @Override
    public boolean hasPanicWrite() {
        return panicWrite;
    }

    @Override
    public void panicWrite(long position, ByteBuffer src) throws IOException {
        if (log) {
            panicWrites.add(new long[] {position, src.remaining()});
        }
        write(position, src);
    }

    @Override
    public void close() {
    }
}
