package org.pstore.api.device;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A partition that pstore keeps its records on: a file, a block device, an MMC partition, NAND.
 *
 * <p>Positions are byte offsets from the start of the partition. A read or write moves all the
 * buffer's remaining bytes or throws. A device that wants the caller to leave a region alone (a bad
 * NAND block, a page already programmed) throws {@link SkipZoneException}.
 */
@ConsumerType
public interface StorageDevice extends Closeable {

    /** A short name for messages and status, for example the file's path. */
    String name();

    /** The partition's size in bytes. */
    long size();

    /** Fills {@code dst} from {@code position}. */
    void read(long position, ByteBuffer dst) throws IOException;

    /** Writes {@code src} at {@code position}; returns only once the bytes are durable on the medium. */
    void write(long position, ByteBuffer src) throws IOException;

    /**
     * Whether {@link #panicWrite} is a real panic path: synchronous, allocation-free and lock-free.
     * Without one, pstore is "best effort" and records written during a panic are lost.
     */
    default boolean hasPanicWrite() {
        return false;
    }

    /** The panic path's write; called only where {@link #hasPanicWrite()} is true. */
    default void panicWrite(long position, ByteBuffer src) throws IOException {
        throw new UnsupportedOperationException(name() + " has no panic write");
    }

    /** Whether the device has its own erase, used instead of rewriting a header (NAND has). */
    default boolean hasErase() {
        return false;
    }

    /** Erases {@code length} bytes at {@code position}; called only where {@link #hasErase()} is true. */
    default void erase(long position, long length) throws IOException {
        throw new UnsupportedOperationException(name() + " has no erase");
    }

    /**
     * The device's own figures for status and {@code info} (a cache's state, sector counts, bad
     * blocks); {@link DeviceFigures#NONE} where there is nothing to add.
     */
    default DeviceFigures figures() {
        return DeviceFigures.NONE;
    }

    /**
     * Refuses an access of {@code length} bytes at {@code position} that does not lie within the
     * device: drivers call it before touching the medium.
     */
    default void checkAccess(long position, long length) throws IOException {
        if (position < 0 || length < 0 || position > size() - length) {
            throw new IOException(name() + ": access of " + length + " bytes at " + position
                    + " is outside the device's " + size() + " bytes");
        }
    }

    /** Releases the device; the data stays on the medium. */
    @Override
    void close() throws IOException;
}
