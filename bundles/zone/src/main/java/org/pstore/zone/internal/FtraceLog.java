package org.pstore.zone.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The ftrace zones shown as one record, as Linux's {@code pstore_ftrace_combine_log} and the
 * pstore file system's seq_file do: the CPUs' logs merged by timestamp, then one text line a record.
 */
final class FtraceLog {

    private FtraceLog() {
    }

    /**
     * Merges {@code next} into {@code merged}: a leading partial record of either is dropped, and on
     * equal timestamps the record of {@code next} goes first, as in Linux.
     */
    static byte[] combine(byte[] merged, byte[] next) {
        int rec = ZoneFormat.FTRACE_RECORD_SIZE;
        int dOff = merged.length % rec;
        int sOff = next.length % rec;
        int dCount = (merged.length - dOff) / rec;
        int sCount = (next.length - sOff) / rec;
        byte[] out = new byte[(dCount + sCount) * rec];
        ByteBuffer d = ZoneFormat.le(merged);
        ByteBuffer s = ZoneFormat.le(next);
        int di = 0;
        int si = 0;
        int o = 0;
        while (di < dCount || si < sCount) {
            boolean takeDest = si == sCount
                    || (di < dCount && Long.compareUnsigned(timestamp(d, dOff + di * rec), timestamp(s, sOff + si * rec)) < 0);
            if (takeDest) {
                System.arraycopy(merged, dOff + di++ * rec, out, o, rec);
            } else {
                System.arraycopy(next, sOff + si++ * rec, out, o, rec);
            }
            o += rec;
        }
        return out;
    }

    private static long timestamp(ByteBuffer b, int at) {
        return b.getLong(at + 16) >>> ZoneFormat.FTRACE_TS_CPU_SHIFT;
    }

    /** The text Linux shows for merged records: {@code CPU:%d ts:%llu %08lx  %08lx  %ps <- %pS}. */
    static byte[] render(byte[] merged) {
        ByteBuffer b = ZoneFormat.le(merged);
        StringBuilder text = new StringBuilder(merged.length * 3);
        for (int at = 0; at + ZoneFormat.FTRACE_RECORD_SIZE <= merged.length; at += ZoneFormat.FTRACE_RECORD_SIZE) {
            long ip = b.getLong(at);
            long parent = b.getLong(at + 8);
            long ts = b.getLong(at + 16);
            // no kernel symbols here: %ps and %pS print an unknown address as 0x%lx
            text.append("CPU:").append(ts & ((1 << ZoneFormat.FTRACE_TS_CPU_SHIFT) - 1))
                    .append(" ts:").append(Long.toUnsignedString(ts >>> ZoneFormat.FTRACE_TS_CPU_SHIFT))
                    .append(' ').append(hex8(ip)).append("  ").append(hex8(parent))
                    .append("  0x").append(Long.toHexString(ip))
                    .append(" <- 0x").append(Long.toHexString(parent)).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex8(long v) {
        String h = Long.toHexString(v);
        return h.length() >= 8 ? h : "00000000".substring(h.length()) + h;
    }
}
