package org.pstore.archive;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The text of a kernel-message dump as Linux shows it: an optional {@code Oops: Total 3 times}
 * line, then {@code Oops#3 Part1}, then the log. A dump too long for one record is split into
 * parts, Part1 holding the newest lines.
 */
final class DumpText {

    /** Never inflate past this: a hostile record must not take the heap. */
    static final int MAX_INFLATED = 16 << 20;

    private static final Pattern TOTAL = Pattern.compile("[A-Za-z]+: Total \\d+ times");
    private static final Pattern PART = Pattern.compile("([A-Za-z]{1,16})#(\\d{1,9}) Part(\\d{1,9})");
    /** Lines a crash starts with, in Linux and in our own dumper. */
    private static final Pattern CRASH_LINE = Pattern.compile(
            "(Kernel panic|BUG:|Oops:|general protection fault|Unable to handle|kernel BUG|Internal error|WARNING:).*");
    private static final Pattern LOG_PREFIX = Pattern.compile("^(?:<(\\d)>)?(?:\\[[ 0-9.]+\\] ?)?");

    /** What the header says: reason, counter, part; empty when the text has none. */
    record Header(String reason, int counter, int part) {
    }

    private DumpText() {
    }

    static Optional<Header> header(byte[] text) {
        for (String line : firstLines(text)) {
            Matcher m = PART.matcher(line);
            if (m.matches()) {
                return Optional.of(new Header(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
            }
        }
        return Optional.empty();
    }

    private static List<String> firstLines(byte[] text) {
        String head = new String(text, 0, Math.min(text.length, 256), StandardCharsets.UTF_8);
        return head.lines().limit(2).toList();
    }

    /** The text without its header lines. */
    static String body(byte[] text) {
        String s = new String(text, StandardCharsets.UTF_8);
        for (int i = 0; i < 2; i++) {
            int nl = s.indexOf('\n');
            String line = nl < 0 ? s : s.substring(0, nl);
            if (!TOTAL.matcher(line).matches() && !PART.matcher(line).matches()) {
                break;
            }
            s = nl < 0 ? "" : s.substring(nl + 1);
        }
        return s;
    }

    /** A compressed record's text (raw deflate, as pstore/zone writes it), or empty when it does not inflate. */
    static Optional<byte[]> inflate(byte[] compressed) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 3);
            byte[] chunk = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return Optional.empty(); // truncated or not deflate at all
                }
                out.write(chunk, 0, n);
                if (out.size() > MAX_INFLATED) {
                    return Optional.empty();
                }
            }
            return Optional.of(out.toByteArray());
        } catch (DataFormatException e) {
            return Optional.empty();
        } finally {
            inflater.end();
        }
    }

    /**
     * The dump's first meaningful line: the first that starts a crash (an Oops, a BUG, a kernel
     * panic), else the last one logged as an error or worse, else the last one; without the log
     * level and time stamp.
     */
    static String summary(String body) {
        List<String> lines = body.lines().filter(l -> !l.isBlank()).toList();
        String lastError = null;
        for (String line : lines) {
            Matcher m = LOG_PREFIX.matcher(line);
            m.lookingAt();
            String message = line.substring(m.end()).strip();
            if (CRASH_LINE.matcher(message).matches()) {
                return clip(message);
            }
            if (m.group(1) != null && m.group(1).charAt(0) <= '3' && !message.isEmpty()) {
                lastError = message;
            }
        }
        if (lastError != null) {
            return clip(lastError);
        }
        if (lines.isEmpty()) {
            return "";
        }
        String last = lines.get(lines.size() - 1);
        Matcher m = LOG_PREFIX.matcher(last);
        m.lookingAt();
        return clip(last.substring(m.end()).strip());
    }

    private static String clip(String line) {
        String printable = line.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 200 ? printable : printable.substring(0, 200);
    }
}
