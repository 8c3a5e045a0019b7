package org.pstore.zone;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Files whose writes stay in a volatile cache, as in an operating system's page cache, until the
 * channel is forced: reads see them, the file does not. {@link #dropUnforced} is the power cut
 * that loses them. A device on a {@link #path} keeps a record across a cut only if it forces it.
 */
public final class VolatileCacheFiles {

    private final Provider provider = new Provider();
    private final Fs fs = new Fs();
    private final List<CachedChannel> channels = new ArrayList<>();

    /** The same file, seen through the cache. */
    public Path path(Path real) {
        return new CachedPath(real.toAbsolutePath());
    }

    /** The power goes: every byte written and not yet forced is lost. */
    public synchronized void dropUnforced() {
        for (CachedChannel c : channels) {
            c.drop();
        }
    }

    private static Path real(Path p) {
        return ((CachedPath) p).real;
    }

    /** A write the file has not taken yet. */
    private record Pending(long position, byte[] bytes) {
    }

    private final class CachedChannel extends FileChannel {
        private final FileChannel real;
        private final List<Pending> pending = new ArrayList<>();

        CachedChannel(FileChannel real) {
            this.real = real;
        }

        synchronized void drop() {
            pending.clear();
        }

        @Override
        public synchronized int read(ByteBuffer dst, long position) throws IOException {
            int start = dst.position();
            int n = real.read(dst, position);
            int length = Math.max(n, 0);
            for (Pending p : pending) {
                long from = Math.max(position, p.position());
                long to = Math.min(position + dst.position() - start, p.position() + p.bytes().length);
                for (long at = from; at < to; at++) {
                    dst.put(start + (int) (at - position), p.bytes()[(int) (at - p.position())]);
                }
            }
            return n < 0 && length == 0 ? n : length;
        }

        @Override
        public synchronized int write(ByteBuffer src, long position) {
            byte[] bytes = new byte[src.remaining()];
            src.get(bytes);
            pending.add(new Pending(position, bytes));
            return bytes.length;
        }

        @Override
        public synchronized void force(boolean metaData) throws IOException {
            for (Pending p : pending) {
                ByteBuffer b = ByteBuffer.wrap(p.bytes());
                long at = p.position();
                while (b.hasRemaining()) {
                    at += real.write(b, at);
                }
            }
            pending.clear();
            real.force(metaData);
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            synchronized (VolatileCacheFiles.this) {
                channels.remove(this);
            }
            real.close();
        }

        // what FileDevice does not use
        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }
    }

    private final class Provider extends FileSystemProvider {
        private FileSystemProvider real(Path p) {
            return VolatileCacheFiles.real(p).getFileSystem().provider();
        }

        @Override
        public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
                throws IOException {
            CachedChannel c = new CachedChannel(FileChannel.open(VolatileCacheFiles.real(path), options, attrs));
            synchronized (VolatileCacheFiles.this) {
                channels.add(c);
            }
            return c;
        }

        @Override
        public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
                throws IOException {
            return newFileChannel(path, options, attrs);
        }

        @Override
        public void checkAccess(Path path, AccessMode... modes) throws IOException {
            real(path).checkAccess(VolatileCacheFiles.real(path), modes);
        }

        @Override
        public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
                throws IOException {
            return real(path).readAttributes(VolatileCacheFiles.real(path), type, options);
        }

        @Override
        public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
                throws IOException {
            return real(path).readAttributes(VolatileCacheFiles.real(path), attributes, options);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
            return real(path).getFileAttributeView(VolatileCacheFiles.real(path), type, options);
        }

        @Override
        public String getScheme() {
            return "volatile-cache";
        }

        @Override
        public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileSystem getFileSystem(URI uri) {
            return fs;
        }

        @Override
        public Path getPath(URI uri) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void createDirectory(Path dir, FileAttribute<?>... attrs) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(Path path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void copy(Path source, Path target, CopyOption... options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isSameFile(Path path, Path path2) {
            return path.equals(path2);
        }

        @Override
        public boolean isHidden(Path path) {
            return false;
        }

        @Override
        public FileStore getFileStore(Path path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
            throw new UnsupportedOperationException();
        }
    }

    private final class Fs extends FileSystem {
        @Override
        public FileSystemProvider provider() {
            return provider;
        }

        @Override
        public void close() {
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean isReadOnly() {
            return false;
        }

        @Override
        public String getSeparator() {
            return "/";
        }

        @Override
        public Iterable<Path> getRootDirectories() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Iterable<FileStore> getFileStores() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<String> supportedFileAttributeViews() {
            return Set.of("basic");
        }

        @Override
        public Path getPath(String first, String... more) {
            return new CachedPath(Path.of(first, more));
        }

        @Override
        public PathMatcher getPathMatcher(String syntaxAndPattern) {
            throw new UnsupportedOperationException();
        }

        @Override
        public UserPrincipalLookupService getUserPrincipalLookupService() {
            throw new UnsupportedOperationException();
        }

        @Override
        public WatchService newWatchService() {
            throw new UnsupportedOperationException();
        }
    }

    private final class CachedPath implements Path {
        private final Path real;

        CachedPath(Path real) {
            this.real = real;
        }

        private Path wrap(Path p) {
            return p == null ? null : new CachedPath(p);
        }

        @Override
        public FileSystem getFileSystem() {
            return fs;
        }

        @Override
        public boolean isAbsolute() {
            return real.isAbsolute();
        }

        @Override
        public Path getRoot() {
            return wrap(real.getRoot());
        }

        @Override
        public Path getFileName() {
            return wrap(real.getFileName());
        }

        @Override
        public Path getParent() {
            return wrap(real.getParent());
        }

        @Override
        public int getNameCount() {
            return real.getNameCount();
        }

        @Override
        public Path getName(int index) {
            return wrap(real.getName(index));
        }

        @Override
        public Path subpath(int beginIndex, int endIndex) {
            return wrap(real.subpath(beginIndex, endIndex));
        }

        @Override
        public boolean startsWith(Path other) {
            return other instanceof CachedPath c && real.startsWith(c.real);
        }

        @Override
        public boolean endsWith(Path other) {
            return other instanceof CachedPath c && real.endsWith(c.real);
        }

        @Override
        public Path normalize() {
            return wrap(real.normalize());
        }

        @Override
        public Path resolve(Path other) {
            return wrap(real.resolve(((CachedPath) other).real));
        }

        @Override
        public Path relativize(Path other) {
            return wrap(real.relativize(((CachedPath) other).real));
        }

        @Override
        public URI toUri() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path toAbsolutePath() {
            return wrap(real.toAbsolutePath());
        }

        @Override
        public Path toRealPath(LinkOption... options) throws IOException {
            return wrap(real.toRealPath(options));
        }

        @Override
        public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int compareTo(Path other) {
            return real.compareTo(((CachedPath) other).real);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CachedPath c && real.equals(c.real);
        }

        @Override
        public int hashCode() {
            return real.hashCode();
        }

        @Override
        public String toString() {
            return real.toString();
        }
    }
}
