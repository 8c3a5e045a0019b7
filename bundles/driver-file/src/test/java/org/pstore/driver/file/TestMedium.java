package org.pstore.driver.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;

/**
 * A driver's medium with faults a test can set, for the drivers' tests: the positional writes of
 * one thread can be held up inside the write ({@link #holdWritesOf}), as a slow medium holds a
 * normal write while a panic comes; and with {@link #dropUnforcedAtCut} every byte written since
 * the last {@code force} is kept aside and undone by {@link #cut}, as a power cut drops what a
 * disk's cache had not yet made durable.
 */
public final class TestMedium extends FileChannel {

    private record Undo(long position, ByteBuffer old) {
    }

    private final FileChannel target;
    private volatile Thread held;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean dropUnforced;
    private final Deque<Undo> unforced = new ArrayDeque<>();
    private volatile boolean cut;

    public TestMedium(FileChannel target) {
        this.target = target;
    }

    /** The next positional writes of {@code thread} wait inside the medium until {@link #release()}. */
    public TestMedium holdWritesOf(Thread thread) {
        held = thread;
        return this;
    }

    /** Waits until the held thread is inside a write. */
    public void awaitHeld() throws InterruptedException {
        entered.await();
    }

    public void release() {
        release.countDown();
    }

    public TestMedium dropUnforcedAtCut() {
        dropUnforced = true;
        return this;
    }

    /** The power goes: every byte not yet forced is undone; the medium takes nothing more. */
    public synchronized void cut() throws IOException {
        cut = true;
        while (!unforced.isEmpty()) {
            Undo u = unforced.pop();
            target.write(u.old(), u.position());
        }
        target.force(true);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (Thread.currentThread() == held) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while held", e);
            }
        }
        synchronized (this) {
            if (cut) {
                throw new IOException("the medium has no power");
            }
            if (dropUnforced) {
                ByteBuffer old = ByteBuffer.allocate(src.remaining());
                target.read(old, position);
                unforced.push(new Undo(position, old.flip()));
            }
            return target.write(src, position);
        }
    }

    @Override
    public synchronized void force(boolean metaData) throws IOException {
        if (cut) {
            throw new IOException("the medium has no power");
        }
        unforced.clear();
        target.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return target.read(dst, position);
    }

    @Override
    public long size() throws IOException {
        return target.size();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return target.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return target.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) {
        throw new UnsupportedOperationException("drivers write at a position");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new UnsupportedOperationException("drivers write at a position");
    }

    @Override
    public long position() throws IOException {
        return target.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        target.position(newPosition);
        return this;
    }

    @Override
    public FileChannel truncate(long size) {
        throw new UnsupportedOperationException("drivers never truncate");
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel out) throws IOException {
        return target.transferTo(position, count, out);
    }

    @Override
    public long transferFrom(ReadableByteChannel in, long position, long count) {
        throw new UnsupportedOperationException("drivers write at a position");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException("drivers do not map");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return target.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return target.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        target.close();
    }
}
