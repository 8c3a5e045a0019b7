package org.pstore.frontend;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.pstore.api.DumpReason;

class LogTailTest {

    static String tail(LogTail t, int room) {
        ByteBuffer b = ByteBuffer.allocate(room);
        t.copyTail(b);
        return new String(b.array(), 0, b.position(), US_ASCII);
    }

    @Test
    void theNewestWholeLinesThatFitAreCopied() {
        LogTail t = new LogTail(64);
        for (int i = 0; i < 20; i++) {
            t.add(("line " + i + "\n").getBytes(US_ASCII));
        }
        assertEquals("line 18\nline 19\n", tail(t, 20), "a cut line is dropped, not shown half");
        String all = tail(t, 1000);
        assertTrue(all.endsWith("line 19\n") && all.startsWith("line "), all);
        assertTrue(all.length() <= 63);
    }

    @Test
    void copyingAllocatesNothing() {
        LogTail t = new LogTail(4096);
        t.add("hello\n".getBytes(US_ASCII));
        ByteBuffer b = ByteBuffer.allocate(100);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 10_000; i++) {
            b.clear();
            t.copyTail(b);
            KmsgDumps.putHeader(b.clear(), DumpReason.PANIC, i);
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 1_000; i++) {
            b.clear();
            KmsgDumps.putHeader(b, DumpReason.PANIC, i);
            t.copyTail(b);
        }
        assertTrue(threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before < 1024);
    }

    @Test
    void theDumpHeaderIsLinuxs() {
        ByteBuffer b = ByteBuffer.allocate(64);
        KmsgDumps.putHeader(b, DumpReason.OOPS, 12);
        assertEquals("Oops#12 Part1\n", new String(b.array(), 0, b.position(), US_ASCII));
    }

    @Test
    void linesLookLikeKmsg() {
        String line = new String(KmsgLine.format(KmsgLine.WARNING, System.currentTimeMillis(), "a\nb"), US_ASCII);
        assertTrue(line.matches("<4>\\[ *\\d+\\.\\d{6}\\] a\n<4>\\[ *\\d+\\.\\d{6}\\] b\n"), line);
    }
}
