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
     * Compresses {@code in} into {@code out}. Returns the compressed length, or -1 when it does not
     * fit, in which case the caller stores the text uncompressed as Linux does.
     */
    static int compress(Deflater deflater, ByteBuffer in, ByteBuffer out) {
        deflater.reset();
        deflater.setInput(in);
        deflater.finish();
        int start = out.position();
        while (!deflater.finished()) {
            if (!out.hasRemaining()) {
                return -1;
            }
            deflater.deflate(out);
        }
        return out.position() - start;
    }

    /**
     * Puts dump text into {@code out} (the space after both headers): compressed where asked, where
     * it fits and where Linux could inflate it again (at most {@code maxInflated} bytes of input),
     * otherwise the first part that fits. Returns the stored length, negated when compressed.
     * {@code text}'s limit is left as it was. Allocates nothing.
     */
    static int putText(ByteBuffer text, boolean compress, ByteBuffer out, Deflater deflater, int maxInflated) {
        int limit = text.limit();
        try {
            if (compress) {
                text.limit(text.position() + Math.min(text.remaining(), maxInflated));
                int start = text.position();
                int n = compress(deflater, text, out);
                if (n > 0) {
                    return -n;
                }
                text.limit(limit).position(start);
                out.clear();
            }
            int n = Math.min(text.remaining(), out.remaining());
            text.limit(text.position() + n);
            out.put(text);
            return n;
        } finally {
            text.limit(limit);
        }
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
