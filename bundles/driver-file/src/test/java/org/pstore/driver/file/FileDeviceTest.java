package org.pstore.driver.file;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pstore.api.PstoreException;

class FileDeviceTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFileIsCreatedSparseAtTheRequestedSize() throws Exception {
        Path image = dir.resolve("pstore.img");
        try (FileDevice device = FileDevice.openOrCreate(image, 1 << 20)) {
            assertEquals(1 << 20, device.size());
            ByteBuffer b = ByteBuffer.allocate(4096);
            device.read((1 << 20) - 4096, b);
            assertArrayEquals(new byte[4096], b.array());
        }
        assertEquals(1 << 20, Files.size(image));
    }

    @Test
    void writesAreReadBackAfterReopening() throws Exception {
        Path image = dir.resolve("pstore.img");
        try (FileDevice device = FileDevice.openOrCreate(image, 8192)) {
            device.write(4090, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
        }
        try (FileDevice device = FileDevice.open(image, true)) {
            ByteBuffer b = ByteBuffer.allocate(9);
            device.read(4090, b);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, b.array());
        }
    }

    @Test
    void anExistingFileOfAnotherSizeIsRefusedAndLeftAlone() throws Exception {
        Path image = dir.resolve("pstore.img");
        Files.write(image, new byte[] {42, 43});
        PstoreException e = assertThrows(PstoreException.class, () -> FileDevice.openOrCreate(image, 4096));
        assertTrue(e.getMessage().contains("is 2 bytes, not the configured 4096"), e.getMessage());
        assertArrayEquals(new byte[] {42, 43}, Files.readAllBytes(image));
    }

    @Test
    void missingPathsAndDirectoriesAreClearErrors() {
        PstoreException missing = assertThrows(PstoreException.class, () -> FileDevice.open(dir.resolve("nope.img"), true));
        assertTrue(missing.getMessage().startsWith("no such file or device"), missing.getMessage());
        PstoreException noDir = assertThrows(PstoreException.class,
                () -> FileDevice.openOrCreate(dir.resolve("no/such/dir/p.img"), 4096));
        assertTrue(noDir.getMessage().contains("no such directory"), noDir.getMessage());
        assertFalse(Files.exists(dir.resolve("no")));
        PstoreException isDir = assertThrows(PstoreException.class, () -> FileDevice.open(dir, false));
        assertTrue(isDir.getMessage().contains("is a directory"), isDir.getMessage());
        PstoreException empty = assertThrows(PstoreException.class, () -> {
            Files.createFile(dir.resolve("empty.img"));
            FileDevice.open(dir.resolve("empty.img"), true);
        });
        assertTrue(empty.getMessage().contains("has no size"), empty.getMessage());
    }

    @Test
    void noPermissionIsAClearError() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root reads every file");
        Path image = dir.resolve("locked.img");
        Files.write(image, new byte[4096]);
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("---------"));
        PstoreException e = assertThrows(PstoreException.class, () -> FileDevice.open(image, false));
        assertTrue(e.getMessage().startsWith("permission denied"), e.getMessage());
    }

    @Test
    void aReadOnlyDeviceRefusesWrites() throws Exception {
        Path image = dir.resolve("ro.img");
        Files.write(image, new byte[4096]);
        try (FileDevice device = FileDevice.open(image, true)) {
            assertFalse(device.hasPanicWrite());
            assertThrows(PstoreException.class, () -> device.write(0, ByteBuffer.allocate(1)));
        }
        assertArrayEquals(new byte[4096], Files.readAllBytes(image));
    }

    @Test
    void accessOutsideTheDeviceIsRefused() throws Exception {
        try (FileDevice device = FileDevice.openOrCreate(dir.resolve("p.img"), 4096)) {
            assertThrows(IOException.class, () -> device.write(4095, ByteBuffer.allocate(2)));
            assertThrows(IOException.class, () -> device.read(-1, ByteBuffer.allocate(1)));
            assertEquals(4096, Files.size(dir.resolve("p.img")), "the file did not grow");
        }
    }

    @Test
    void offsetsBeyondFourGibibytesWork() throws Exception {
        long size = 5L << 30;
        try (FileDevice device = FileDevice.openOrCreate(dir.resolve("big.img"), size)) {
            device.write(size - 512, ByteBuffer.wrap("end".getBytes()));
            ByteBuffer b = ByteBuffer.allocate(3);
            device.read(size - 512, b);
            assertEquals("end", new String(b.array()));
        }
    }

    @Test
    void aBlockDeviceNodeIsSizedByTheKernel() throws Exception {
        Path image = dir.resolve("loop.img");
        Files.write(image, new byte[64 * 1024]);
        Process attach;
        try {
            attach = new ProcessBuilder("losetup", "-f", "--show", image.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no losetup here");
            return;
        }
        assumeTrue(attach.waitFor(10, TimeUnit.SECONDS) && attach.exitValue() == 0, "cannot attach a loop device here");
        String loop = new String(attach.getInputStream().readAllBytes()).trim();
        try (FileDevice device = FileDevice.open(Path.of(loop), false)) {
            assertEquals(64 * 1024, device.size());
            device.write(512, ByteBuffer.wrap("on the block device".getBytes()));
        } finally {
            new ProcessBuilder("losetup", "-d", loop).start().waitFor(10, TimeUnit.SECONDS);
        }
        byte[] back = Files.readAllBytes(image);
        assertEquals("on the block device", new String(back, 512, 19));
    }

    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aSecondOpenerIsRefusedAtOnceUntilTheFirstCloses() throws Exception {
        Path image = dir.resolve("p.img");
        try (FileDevice first = FileDevice.openOrCreate(image, 8192)) {
            PstoreException writer = assertThrows(PstoreException.class, () -> FileDevice.open(image, false));
            assertEquals(image + " is in use by this process (pid " + ProcessHandle.current().pid()
                    + "): another device has the partition open", writer.getMessage());
            first.write(0, ByteBuffer.wrap(new byte[] {7}));
            // a reader in this JVM shares the writer's channel: its close must not drop the lock
            try (FileDevice reader = FileDevice.open(image, true)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                reader.read(0, b);
                assertEquals(7, b.get(0));
                assertThrows(PstoreException.class, () -> reader.write(0, ByteBuffer.allocate(1)));
            }
            assertThrows(PstoreException.class, () -> FileDevice.open(image, false), "still held after the reader");
            ByteBuffer b = ByteBuffer.allocate(1);
            first.read(0, b);
            assertEquals(7, b.get(0), "the refused and shared opens left the first device working");
        }
        // as a gateway reopens its device after a hot swap
        try (FileDevice again = FileDevice.open(image, false)) {
            assertEquals(8192, again.size());
        }
    }

    @Test
    void aWriteThatReturnedSurvivesACutOfEverythingNotForced() throws Exception {
        Path image = dir.resolve("p.img");
        FileDevice.openOrCreate(image, 8192).close();
        TestMedium[] medium = new TestMedium[1];
        try (FileDevice device = FileDevice.open(image, false, c -> medium[0] = new TestMedium(c).dropUnforcedAtCut())) {
            device.write(100, ByteBuffer.wrap("durable".getBytes(US_ASCII)));
            device.panicWrite(4000, ByteBuffer.wrap("panic durable".getBytes(US_ASCII)));
            medium[0].cut();
        }
        byte[] back = Files.readAllBytes(image);
        assertEquals("durable", new String(back, 100, 7, US_ASCII));
        assertEquals("panic durable", new String(back, 4000, 13, US_ASCII));
    }

    @Test
    void aPanicDoesNotWaitForANormalWriteStuckOnTheMedium() throws Exception {
        Path image = dir.resolve("p.img");
        FileDevice.openOrCreate(image, 1 << 20).close();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Thread[] writer = new Thread[1];
            CountDownLatch named = new CountDownLatch(1);
            TestMedium[] medium = new TestMedium[1];
            try (FileDevice device = FileDevice.open(image, false, c -> medium[0] = new TestMedium(c))) {
                Future<?> normal = threads.submit(() -> {
                    writer[0] = Thread.currentThread();
                    named.countDown();
                    medium[0].holdWritesOf(Thread.currentThread());
                    device.write(0, ByteBuffer.wrap("normal".getBytes(US_ASCII)));
                    return null;
                });
                named.await();
                medium[0].awaitHeld();
                byte[] record = "panic while stuck".getBytes(US_ASCII);
                Future<?> panic = threads.submit(() -> {
                    device.panicWrite(200_000, ByteBuffer.wrap(record));
                    return null;
                });
                // a deadlock guard, not a speed target: the panic must not need the stuck write
                panic.get(30, TimeUnit.SECONDS);
                assertFalse(normal.isDone(), "the normal write is still stuck");
                medium[0].release();
                normal.get(30, TimeUnit.SECONDS);
            }
            try (FileDevice again = FileDevice.open(image, true)) {
                ByteBuffer b = ByteBuffer.allocate(17);
                again.read(200_000, b);
                assertEquals("panic while stuck", new String(b.array(), US_ASCII));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void thePanicWriteAllocatesNothingFromItsFirstCall() throws Exception {
        Path image = dir.resolve("p.img");
        FileDevice.openOrCreate(image, 1 << 20).close();
        try (FileDevice device = FileDevice.open(image, false)) {
            // as the engine hands it: a heap buffer with a whole kmsg zone, and small unaligned ones
            ByteBuffer zone = ByteBuffer.allocate(96 * 1024);
            ByteBuffer small = ByteBuffer.allocate(13);
            long id = Thread.currentThread().getId();
            THREADS.getThreadAllocatedBytes(id);
            long before = THREADS.getThreadAllocatedBytes(id);
            device.panicWrite(65536, zone);
            device.panicWrite(7, small);
            long allocated = THREADS.getThreadAllocatedBytes(id) - before;
            assertEquals(0, allocated, "bytes allocated by the first panic writes after open");
        }
    }
}
