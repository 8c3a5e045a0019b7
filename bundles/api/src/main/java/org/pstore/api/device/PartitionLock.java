package org.pstore.api.device;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.pstore.api.PstoreException;

/**
 * One writer per partition, as Linux opens its pstore partition exclusively: a channel on an image
 * file or device node that holds an OS lock on it for as long as it is open, exclusive for a
 * writer, shared for a reader. A second opener is refused at once, with the process that has the
 * partition where the OS tells.
 *
 * <p>The lock is a POSIX record lock, which the OS keeps per process and drops when the process
 * closes any channel on the file. Within this JVM a second open therefore never opens a channel of
 * its own, whose close would release the first holder's lock: a second writer is refused, and a
 * reader shares the holder's channel, which closes when its last user closes it.
 */
public final class PartitionLock implements Closeable {

    /** A locked file's channel in this JVM and how many opens use it. */
    private static final class Holder {
        final FileChannel channel;
        int users = 1;

        Holder(FileChannel channel) {
            this.channel = channel;
        }
    }

    /** The files (device and inode) this JVM holds open through a partition lock; guarded by itself. */
    private static final Map<Object, Holder> HELD = new HashMap<>();

    private final Object key;
    private final Holder holder;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private PartitionLock(Object key, Holder holder) {
        this.key = key;
        this.holder = holder;
    }

    /**
     * Opens {@code path} with {@code options} and locks it: shared for a reader, exclusive for a
     * writer (whose options must include WRITE). Refuses a writer while anyone has the partition
     * open, and a reader while another process has it open for writing; a reader in this JVM
     * shares the channel already open here.
     */
    public static PartitionLock open(Path path, Set<? extends OpenOption> options, boolean shared)
            throws PstoreException {
        Object key = fileKey(path);
        synchronized (HELD) {
            Holder held = HELD.get(key);
            if (held != null) {
                if (!shared) {
                    throw new PstoreException(path + " is in use by this process (pid " + ProcessHandle.current().pid()
                            + "): another device has the partition open");
                }
                held.users++;
                return new PartitionLock(key, held);
            }
            FileChannel channel = null;
            try {
                channel = FileChannel.open(path, options);
                if (channel.tryLock(0, Long.MAX_VALUE, shared) == null) {
                    throw new PstoreException(path + " is in use" + holder(path) + ": one writer per partition");
                }
                Holder holder = new Holder(channel);
                HELD.put(key, holder);
                return new PartitionLock(key, holder);
            } catch (AccessDeniedException e) {
                throw closing(channel, new PstoreException("permission denied: " + path, e));
            } catch (NoSuchFileException e) {
                throw closing(channel, new PstoreException("no such file or device: " + path, e));
            } catch (PstoreException e) {
                throw closing(channel, e);
            } catch (IOException e) {
                throw closing(channel, new PstoreException("cannot open " + path + ": " + e.getMessage(), e));
            }
        }
    }

    private static Object fileKey(Path path) throws PstoreException {
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return key != null ? key : path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new PstoreException("no such file or device: " + path, e);
        } catch (IOException e) {
            throw new PstoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    private static PstoreException closing(FileChannel channel, PstoreException failure) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // failing already, with a better message
            }
        }
        return failure;
    }

    /**
     * " by process PID (COMMAND)" from Linux's /proc/locks, which names the process of each lock
     * by the file's device and inode; empty where the OS does not tell.
     */
    private static String holder(Path path) {
        try {
            long dev = (Long) Files.getAttribute(path, "unix:dev");
            long ino = (Long) Files.getAttribute(path, "unix:ino");
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
            long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            String file = String.format(Locale.ROOT, "%02x:%02x:%d", major, minor, ino);
            List<String> locks = Files.readAllLines(Path.of("/proc/locks"));
            for (String line : locks) {
                String[] f = line.trim().split("\\s+");
                // "1: POSIX  ADVISORY  WRITE 4711 fe:00:2146327 0 EOF"; waiters carry "->"
                if (f.length >= 6 && !f[1].equals("->") && f[5].equals(file) && !f[4].equals("-1")) {
                    return " by process " + f[4] + command(f[4]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc unreadable: the refusal stands without a name
        }
        return "";
    }

    private static String command(String pid) {
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ').trim();
            if (cmd.isEmpty()) {
                return "";
            }
            return " (" + (cmd.length() > 120 ? cmd.substring(0, 117) + "..." : cmd) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The locked channel, valid until {@link #close()}; its users do not close it themselves. */
    public FileChannel channel() {
        return holder.channel;
    }

    /**
     * Gives up this open; the last one closes the channel, which releases the lock, so that the
     * partition can be opened again.
     */
    @Override
    public void close() throws IOException {
        if (!open.getAndSet(false)) {
            return;
        }
        synchronized (HELD) {
            if (--holder.users == 0) {
                HELD.remove(key);
                holder.channel.close();
            }
        }
    }
}
