package org.pstore.zone.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Raw deflate (no zlib header) as Linux 6.1's pstore uses it for kmsg records, with Linux's limit
 * on the inflated size: a record that inflates to more than {@link #maxInflatedSize} is one Linux
 * cannot read, so we neither write one nor claim to read one.
 */
public final class KmsgCompression {

    private static final byte[] PART = {' ', 'P', 'a', 'r', 't'};

    private KmsgCompression() {
    }

    /**
     * Linux 6.1's {@code zbufsize_deflate}: the size of the buffer it inflates into, from the
     * uncompressed buffer size (a kmsg zone's capacity less the kmsg header).
     */
    public static int maxInflatedSize(int bufsize) {
        int ratio;
        if (bufsize >= 1000 && bufsize <= 2000) {
            ratio = 56;
        } else if (bufsize >= 2001 && bufsize <= 3000) {
            ratio = 54;
        } else if (bufsize >= 3001 && bufsize <= 3999) {
            ratio = 52;
        } else if (bufsize >= 4000 && bufsize <= 10000) {
            ratio = 45;
        } else {
            ratio = 60;
        }
        return (int) (bufsize * 100L / ratio);
    }

    /** A deflater that writes raw deflate streams, to be reused. */
    static Deflater newDeflater() {
        return new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    }

    /**
     * Compresses the {@code header} bytes at {@code start} of {@code text}, then its last
     * {@code tail} bytes, as one stream into {@code out}. Returns the compressed length, or -1
     * when it does not fit, in which case the caller stores the text uncompressed as Linux does.
     */
    private static int compress(Deflater deflater, ByteBuffer text, int start, int header, int tail, ByteBuffer out) {
        int limit = text.limit();
        int outStart = out.position();
        deflater.reset();
        text.limit(start + header).position(start);
        deflater.setInput(text);
        while (!deflater.needsInput()) {
            if (!out.hasRemaining()) {
                return -1;
            }
            deflater.deflate(out);
        }
        text.limit(limit).position(limit - tail);
        deflater.setInput(text);
        deflater.finish();
        while (!deflater.finished()) {
            if (!out.hasRemaining()) {
                return -1;
            }
            deflater.deflate(out);
        }
        return out.position() - outStart;
    }

    /**
     * Puts dump text into {@code out} (the space after both headers): compressed where asked, where
     * it fits and where Linux could inflate it again (at most {@code maxInflated} bytes of input),
     * otherwise uncompressed. Of a text longer than that, the newest part is kept, as Linux's
     * dumper keeps it (the crash is at the end of the log), after the dump's first line
     * {@code <Reason>#<n> Part<k>} when the text begins with one. Returns the stored length,
     * negated when compressed. {@code text}'s limit is left as it was. Allocates nothing.
     */
    static int putText(ByteBuffer text, boolean compress, ByteBuffer out, Deflater deflater, int maxInflated) {
        int start = text.position();
        int limit = text.limit();
        int header = dumpHeaderLine(text);
        try {
            if (compress) {
                int keep = Math.min(limit - start, maxInflated);
                int first = Math.min(header, keep);
                int n = compress(deflater, text, start, first, keep - first, out);
                if (n > 0) {
                    return -n;
                }
                out.clear();
            }
            int keep = Math.min(limit - start, out.remaining());
            int first = Math.min(header, keep);
            text.limit(start + first).position(start);
            out.put(text);
            text.limit(limit).position(limit - (keep - first));
            out.put(text);
            return keep;
        } finally {
            text.limit(limit);
        }
    }

    /** The length of the first line Linux's dumper writes, {@code <Reason>#<n> Part<k>\n}, where the text begins with one; else 0. */
    static int dumpHeaderLine(ByteBuffer text) {
        int p = text.position();
        int end = text.limit();
        int reason = p;
        while (reason < end && (text.get(reason) | 0x20) >= 'a' && (text.get(reason) | 0x20) <= 'z') {
            reason++;
        }
        if (reason == p || reason == end || text.get(reason) != '#') {
            return 0;
        }
        int n = digits(text, reason + 1);
        if (n == reason + 1) {
            return 0;
        }
        for (byte b : PART) {
            if (n == end || text.get(n++) != b) {
                return 0;
            }
        }
        int k = digits(text, n);
        return k > n && k < end && text.get(k) == '\n' ? k + 1 - p : 0;
    }

    private static int digits(ByteBuffer text, int from) {
        int i = from;
        while (i < text.limit() && i - from < 10 && text.get(i) >= '0' && text.get(i) <= '9') {
            i++;
        }
        return i;
    }

    /** Inflates a raw deflate stream, or returns null where Linux would fail to. */
    static byte[] inflate(byte[] raw, int maxInflated) {
        Inflater inflater = new Inflater(true);
        try {
            // raw inflate may want one byte past the stream to see its end (Linux feeds a zero too)
            inflater.setInput(Arrays.copyOf(raw, raw.length + 1));
            byte[] out = new byte[maxInflated];
            int n = 0;
            while (!inflater.finished()) {
                if (n == out.length) {
                    return null;
                }
                int k = inflater.inflate(out, n, out.length - n);
                n += k;
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
            }
            byte[] text = new byte[n];
            System.arraycopy(out, 0, text, 0, n);
            return text;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }
}
