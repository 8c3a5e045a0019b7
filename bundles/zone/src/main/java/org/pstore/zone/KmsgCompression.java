package org.pstore.zone;

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
final class KmsgCompression {

    private KmsgCompression() {
    }

    /**
     * Linux 6.1's {@code zbufsize_deflate}: the size of the buffer it inflates into, from the
     * uncompressed buffer size (a kmsg zone's capacity less the kmsg header).
     */
    static int maxInflatedSize(int bufsize) {
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
