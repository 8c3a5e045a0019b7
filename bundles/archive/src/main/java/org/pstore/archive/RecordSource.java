package org.pstore.archive;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** Where crash records come from: the active pstore backend, or Linux's pstore folder. */
public interface RecordSource {

    /**
     * One record as Linux names it.
     *
     * @param name {@code <type>-<backend>-<id>}, with {@code .enc.z} for a compressed record
     *             that was not inflated; anything at all for a file in Linux's folder
     * @param time when the record was written (or first shown, where the medium keeps no time)
     */
    record Entry(String name, Instant time) {

        /** The record type's label: {@code dmesg}, {@code console}, ... (the name up to its first '-'). */
        public String type() {
            int dash = name.indexOf('-');
            return dash <= 0 ? name : name.substring(0, dash);
        }

        /** The backend part of the name: {@code pstore_blk} in {@code dmesg-pstore_blk-3}, or empty. */
        public String backend() {
            String base = compressed() ? name.substring(0, name.length() - COMPRESSED.length()) : name;
            int first = base.indexOf('-');
            int last = base.lastIndexOf('-');
            return first > 0 && last > first ? base.substring(first + 1, last) : "";
        }

        /** A kmsg record Linux could not inflate (its bytes are raw deflate). */
        public boolean compressed() {
            return name.endsWith(COMPRESSED);
        }
    }

    String COMPRESSED = ".enc.z";

    /** The device the records are on, as meta.json names it. */
    String device();

    List<Entry> records() throws IOException;

    byte[] read(Entry record) throws IOException;

    /** Erases the record as its medium does (Linux: removing the file). */
    void erase(Entry record) throws IOException;
}
