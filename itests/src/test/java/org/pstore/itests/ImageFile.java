package org.pstore.itests;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.pstore.api.device.StorageDevice;

/**
 * An image file as a plain device, for the test's own look at what the runtime wrote: the driver
 * bundles keep their classes to themselves.
 */
final class ImageFile implements StorageDevice {

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long size;

    private ImageFile(Path path, FileChannel channel, boolean readOnly) throws IOException {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.size = channel.size();
    }

    static ImageFile readOnly(Path path) throws IOException {
        return new ImageFile(path, FileChannel.open(path, StandardOpenOption.READ), true);
    }

    /** A file of {@code size} bytes (zeros where it is new), opened for reading and writing. */
    static ImageFile create(Path path, long size) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (channel.size() < size) {
            channel.write(ByteBuffer.allocate(1), size - 1);
        }
        return new ImageFile(path, channel, false);
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        checkAccess(position, dst.remaining());
        for (long p = position; dst.hasRemaining(); ) {
            int n = channel.read(dst, p);
            if (n < 0) {
                throw new EOFException(name() + ": end of file at " + p);
            }
            p += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(name() + " is open for reading only");
        }
        checkAccess(position, src.remaining());
        for (long p = position; src.hasRemaining(); ) {
            p += channel.write(src, p);
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
