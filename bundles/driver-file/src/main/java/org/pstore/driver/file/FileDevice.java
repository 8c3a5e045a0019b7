package org.pstore.driver.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.pstore.api.PstoreException;
import org.pstore.api.device.PartitionLock;
import org.pstore.api.device.StorageDevice;

/**
 * A pstore partition in a regular file or on a block device node, held with a
 * {@link PartitionLock} (exclusive for a writer, shared for a reader) while it is open. Every write
 * is forced to the medium before it returns. The panic write takes no lock and allocates nothing:
 * it copies through a direct buffer prepared at open, so the JDK needs no temporary one.
 */
public final class FileDevice implements StorageDevice {

    /** The panic path's direct buffer; a longer write goes through it in pieces. */
    static final int PANIC_CHUNK = 64 * 1024;

    private final Path path;
    private final PartitionLock lock;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;
    private final ByteBuffer panicBuffer;

    private FileDevice(Path path, PartitionLock lock, FileChannel channel, long size, boolean readOnly) {
        this.path = path;
        this.lock = lock;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
        this.panicBuffer = readOnly ? null : ByteBuffer.allocateDirect((int) Math.min(PANIC_CHUNK, size));
    }

    /**
     * Opens an existing image file or block device node; its size is the file's length or the
     * device's capacity. A writer is refused while anyone has the partition open; a reader (read
     * only) while a writer has it.
     */
    public static FileDevice open(Path path, boolean readOnly) throws PstoreException {
        return open(path, readOnly, UnaryOperator.identity());
    }

    /** As {@link #open(Path, boolean)}, the device's I/O going through {@code medium}'s channel. */
    static FileDevice open(Path path, boolean readOnly, UnaryOperator<FileChannel> medium) throws PstoreException {
        checkIsFileOrDevice(path);
        PartitionLock lock = PartitionLock.open(path, readOnly
                ? Set.of(StandardOpenOption.READ)
                : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE), readOnly);
        FileChannel channel = medium.apply(lock.channel());
        return new FileDevice(path, lock, channel, sizeOf(path, lock, channel), readOnly);
    }

    /**
     * Opens the image file at {@code path}, creating it with {@code size} zero bytes when it is
     * missing. An existing file of another size is refused and left as it is.
     */
    public static FileDevice openOrCreate(Path path, long size) throws PstoreException {
        if (size <= 0) {
            throw new PstoreException("device size must be positive, got " + size);
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path)) {
            create(path, size);
        }
        FileDevice device = open(path, false);
        if (Files.isRegularFile(path) && device.size != size) {
            long actual = device.size;
            closeQuietly(device);
            throw new PstoreException(path + " is " + actual + " bytes, not the configured " + size);
        }
        return device;
    }

    private static void create(Path path, long size) throws PstoreException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new PstoreException("cannot create " + path + ": no such directory " + parent);
        }
        try (FileChannel c = openChannel(path, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE))) {
            // one byte at the end makes a sparse file of the full size, read back as zeros
            c.write(ByteBuffer.allocate(1), size - 1);
            c.force(true);
        } catch (IOException e) {
            throw new PstoreException("cannot create " + path + ": " + e.getMessage(), e);
        }
    }

    private static void checkIsFileOrDevice(Path path) throws PstoreException {
        if (!Files.exists(path)) {
            throw new PstoreException("no such file or device: " + path);
        }
        if (Files.isDirectory(path)) {
            throw new PstoreException(path + " is a directory, not an image file or block device");
        }
    }

    private static FileChannel openChannel(Path path, Set<? extends OpenOption> options)
            throws PstoreException {
        try {
            return FileChannel.open(path, options);
        } catch (AccessDeniedException e) {
            throw new PstoreException("permission denied: " + path, e);
        } catch (NoSuchFileException e) {
            throw new PstoreException("no such file or device: " + path, e);
        } catch (FileAlreadyExistsException e) {
            throw new PstoreException("cannot create " + path + ": it appeared meanwhile", e);
        } catch (IOException e) {
            throw new PstoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    private static long sizeOf(Path path, PartitionLock lock, FileChannel channel) throws PstoreException {
        long size;
        try {
            // for a block device node the JDK asks the kernel for the device's capacity
            size = channel.size();
        } catch (IOException e) {
            closeQuietly(lock);
            throw new PstoreException("cannot size " + path + ": " + e.getMessage(), e);
        }
        if (size <= 0) {
            closeQuietly(lock);
            throw new PstoreException(path + " has no size (empty file or unconfigured device)");
        }
        return size;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing with a better message
        }
    }

    public Path path() {
        return path;
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
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new IOException(path + ": end of file at " + pos + " while reading");
            }
            pos += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new PstoreException(path + " is open read-only");
        }
        checkAccess(position, src.remaining());
        long pos = position;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
        channel.force(false);
    }

    @Override
    public boolean hasPanicWrite() {
        return !readOnly;
    }

    /**
     * The same durable write without a lock or an allocation: a direct buffer is written as it is
     * (the JDK copies nothing), a heap one through the direct buffer prepared at open (where the
     * JDK would take a temporary one).
     */
    @Override
    public void panicWrite(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new PstoreException(path + " is open read-only");
        }
        checkAccess(position, src.remaining());
        long pos = position;
        if (src.isDirect()) {
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
            channel.force(false);
            return;
        }
        int limit = src.limit();
        try {
            while (src.hasRemaining()) {
                src.limit(src.position() + Math.min(src.remaining(), panicBuffer.capacity()));
                panicBuffer.clear();
                panicBuffer.put(src).flip();
                src.limit(limit);
                while (panicBuffer.hasRemaining()) {
                    pos += channel.write(panicBuffer, pos);
                }
            }
        } finally {
            src.limit(limit);
        }
        channel.force(false);
    }

    /** Releases the partition (the file closes with its last user), which may then be opened again. */
    @Override
    public void close() throws IOException {
        lock.close();
    }

    @Override
    public String toString() {
        return "FileDevice[" + path + ", " + size + " bytes" + (readOnly ? ", read-only" : "") + "]";
    }
}
