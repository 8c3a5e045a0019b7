package org.pstore.archive;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory file system with a page cache: a file's bytes survive a power cut only once
 * forced, a folder's entries (created, renamed, removed names) only once the folder is forced.
 * {@link #cutAfter} cuts the power at the N-th changing operation: it throws {@link PowerCut}
 * and {@link #afterCut} leaves exactly what was durable. Optionally full: writes past a byte
 * budget fail as ENOSPC does.
 */
final class PowerCutFs implements ArchiveFs {

    /** The power went: nothing after it happens. */
    static final class PowerCut extends RuntimeException {
        PowerCut() {
            super("power cut");
        }
    }

    private static final class Node {
        final boolean dir;
        byte[] data = new byte[0];
        byte[] durableData = new byte[0];
        Map<String, Node> entries = new TreeMap<>();
        Map<String, Node> durableEntries = new TreeMap<>();

        Node(boolean dir) {
            this.dir = dir;
        }
    }

    private Node root = new Node(true);
    private long operations;
    private long cutAt = Long.MAX_VALUE;
    private long freeBytes = Long.MAX_VALUE;

    /** Cuts the power at the {@code n}-th changing operation from now (1 = the next one). */
    void cutAfter(long n) {
        cutAt = operations + n;
    }

    void full(long freeBytes) {
        this.freeBytes = freeBytes;
    }

    long operations() {
        return operations;
    }

    /** After a cut: only what was forced, and every later operation succeeds. */
    void afterCut() {
        root = durableCopy(root);
        cutAt = Long.MAX_VALUE;
    }

    private static Node durableCopy(Node n) {
        Node c = new Node(n.dir);
        if (n.dir) {
            n.durableEntries.forEach((name, child) -> c.entries.put(name, durableCopy(child)));
            c.durableEntries = new TreeMap<>(c.entries);
        } else {
            c.data = n.durableData.clone();
            c.durableData = c.data;
        }
        return c;
    }

    /** Counts an operation that changes something; the cut falls before it takes effect. */
    void step() {
        if (++operations >= cutAt) {
            throw new PowerCut();
        }
    }

    private Node find(Path p) {
        Node n = root;
        for (Path part : p.toAbsolutePath().normalize()) {
            n = n == null || !n.dir ? null : n.entries.get(part.toString());
        }
        return n;
    }

    private Node parent(Path p) throws IOException {
        Node parent = find(p.toAbsolutePath().normalize().getParent());
        if (parent == null || !parent.dir) {
            throw new NoSuchFileException(p.toString(), null, "no parent folder");
        }
        return parent;
    }

    private static String name(Path p) {
        return p.toAbsolutePath().normalize().getFileName().toString();
    }

    @Override
    public boolean createDirectories(Path dir) throws IOException {
        if (find(dir) != null) {
            return false;
        }
        Path abs = dir.toAbsolutePath().normalize();
        if (find(abs.getParent()) == null) {
            createDirectories(abs.getParent());
        }
        step();
        parent(abs).entries.put(name(abs), new Node(true));
        forceDirectory(abs.getParent());
        return true;
    }

    @Override
    public void write(Path file, byte[] bytes) throws IOException {
        step();
        Node parent = parent(file);
        if (parent.entries.containsKey(name(file))) {
            throw new IOException(file + " exists");
        }
        Node f = new Node(false);
        parent.entries.put(name(file), f); // the name first, as a real file system creates it
        if (bytes.length > freeBytes) {
            throw new IOException("No space left on device");
        }
        freeBytes -= bytes.length;
        f.data = bytes.clone();
    }

    @Override
    public void force(Path file) throws IOException {
        step();
        Node f = find(file);
        if (f == null) {
            throw new NoSuchFileException(file.toString());
        }
        f.durableData = f.data.clone();
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        step();
        Node d = find(dir);
        if (d == null || !d.dir) {
            throw new NoSuchFileException(dir.toString());
        }
        d.durableEntries = new TreeMap<>(d.entries);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        step();
        Node n = find(from);
        if (n == null) {
            throw new NoSuchFileException(from.toString());
        }
        Node target = find(to);
        if (target != null && (target.dir || n.dir)) {
            throw new IOException(to + " exists");
        }
        parent(to).entries.put(name(to), n);
        parent(from).entries.remove(name(from));
    }

    @Override
    public void delete(Path path) throws IOException {
        step();
        Node n = find(path);
        if (n == null) {
            throw new NoSuchFileException(path.toString());
        }
        if (n.dir && !n.entries.isEmpty()) {
            throw new IOException(path + " is not empty");
        }
        if (!n.dir) {
            freeBytes = freeBytes == Long.MAX_VALUE ? freeBytes : freeBytes + n.data.length;
        }
        parent(path).entries.remove(name(path));
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        Node d = find(dir);
        if (d == null || !d.dir) {
            throw new NoSuchFileException(dir.toString());
        }
        return new ArrayList<>(d.entries.keySet());
    }

    @Override
    public byte[] read(Path file) throws IOException {
        Node f = find(file);
        if (f == null || f.dir) {
            throw new NoSuchFileException(file.toString());
        }
        return f.data.clone();
    }

    @Override
    public boolean isDirectory(Path path) {
        Node n = find(path);
        return n != null && n.dir;
    }

    @Override
    public boolean exists(Path path) {
        return find(path) != null;
    }

    /** Every file under a folder with its bytes, by path relative to it. */
    Map<String, byte[]> tree(Path dir) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        collect(find(dir), "", out);
        return out;
    }

    private static void collect(Node n, String prefix, Map<String, byte[]> out) {
        if (n == null) {
            return;
        }
        n.entries.forEach((name, child) -> {
            if (child.dir) {
                collect(child, prefix + name + "/", out);
            } else {
                out.put(prefix + name, child.data);
            }
        });
    }
}
