package org.pstore.uplink;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The uplink's budget: at most {@code maxPerHour} crashes in any hour and {@code maxBytesPerDay}
 * bytes in any 24 hours (0: no limit), over sliding windows of the sends made, the ones still
 * waiting for their acknowledgement included. Not thread-safe: the uplink decides under its lock.
 */
final class RateLimit {

    static final long HOUR = 3_600_000L;
    static final long DAY = 24 * HOUR;

    /** One send counted against the budget. */
    record Send(long time, long bytes) {
    }

    private final int maxPerHour;
    private final long maxBytesPerDay;
    private final Deque<Send> sends = new ArrayDeque<>(); // oldest first, within the last day

    RateLimit(int maxPerHour, long maxBytesPerDay) {
        this.maxPerHour = maxPerHour;
        this.maxBytesPerDay = maxBytesPerDay;
    }

    /** Whether a message of this size can ever go out (it must fit one day's byte budget). */
    boolean fits(long bytes) {
        return maxBytesPerDay <= 0 || bytes <= maxBytesPerDay;
    }

    /** Milliseconds until a message of {@code bytes} may go out; 0: now. Assumes {@link #fits}. */
    long waitMillis(long now, long bytes) {
        expire(now);
        long wait = 0;
        if (maxPerHour > 0) {
            int inHour = 0;
            for (Send s : sends) {
                if (s.time() > now - HOUR) {
                    inHour++;
                }
            }
            if (inHour >= maxPerHour) {
                // the send that has to leave the hour window before one more fits
                int skip = inHour - maxPerHour;
                for (Send s : sends) {
                    if (s.time() > now - HOUR && skip-- == 0) {
                        wait = s.time() + HOUR - now;
                        break;
                    }
                }
            }
        }
        if (maxBytesPerDay > 0) {
            long total = sends.stream().mapToLong(Send::bytes).sum();
            Iterator<Send> oldest = sends.iterator();
            while (total + bytes > maxBytesPerDay && oldest.hasNext()) {
                Send s = oldest.next();
                total -= s.bytes();
                wait = Math.max(wait, s.time() + DAY - now);
            }
        }
        return Math.max(wait, 0);
    }

    /** Counts a send against the budget; the returned value gives it back with {@link #release}. */
    Send take(long now, long bytes) {
        Send s = new Send(now, bytes);
        sends.addLast(s);
        return s;
    }

    /** Gives back a send that did not happen (no acknowledgement). */
    void release(Send s) {
        sends.removeIf(x -> x == s);
    }

    private void expire(long now) {
        while (!sends.isEmpty() && sends.peekFirst().time() <= now - DAY) {
            sends.removeFirst();
        }
    }
}
