package org.pstore.driver.mmc;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The card's volatile write cache: sectors written but not yet programmed, in the order they were
 * written. Guarded by the card's lock; a power cut empties it.
 */
final class MmcWriteCache {

    private final Map<Long, byte[]> sectors = new LinkedHashMap<>();
    private boolean enabled = true;

    boolean enabled() {
        return enabled;
    }

    void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    int size() {
        return sectors.size();
    }

    /** Takes the {@code count} sectors of {@code src} for {@code lba} on. */
    void put(long lba, ByteBuffer src, int count) {
        for (int i = 0; i < count; i++) {
            byte[] sector = new byte[MmcCard.SECTOR];
            src.get(sector);
            sectors.remove(lba + i); // re-written sectors move to the end of the flush order
            sectors.put(lba + i, sector);
        }
    }

    /** The cached sector {@code lba}, or null; no boxing when the cache is empty. */
    byte[] get(long lba) {
        return sectors.isEmpty() ? null : sectors.get(lba);
    }

    /** Drops the cached copies of {@code count} sectors from {@code lba}. */
    void drop(long lba, long count) {
        for (long i = 0; i < count && !sectors.isEmpty(); i++) {
            sectors.remove(lba + i);
        }
    }

    /** The cached sectors in flush order; the caller removes each one it has programmed. */
    Iterator<Map.Entry<Long, byte[]>> inWriteOrder() {
        return sectors.entrySet().iterator();
    }

    void clear() {
        sectors.clear();
    }
}
