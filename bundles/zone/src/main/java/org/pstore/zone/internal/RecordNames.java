package org.pstore.zone.internal;

import java.util.List;

import org.pstore.api.NoSuchRecordException;
import org.pstore.api.RecordType;

/**
 * Record names as Linux shows them under /sys/fs/pstore: {@code <type>-<backend>-<id>}, with
 * {@code .enc.z} for a compressed record that cannot be inflated.
 */
public final class RecordNames {

    private static final String COMPRESSED_SUFFIX = ".enc.z";
    private static final List<RecordType> TYPES =
            List.of(RecordType.DMESG, RecordType.PMSG, RecordType.CONSOLE, RecordType.FTRACE);

    /** A parsed name. */
    public record RecordName(RecordType type, int id, boolean compressed) {
    }

    private final String backendName;

    public RecordNames(String backendName) {
        this.backendName = backendName;
    }

    public String name(RecordType type, int id, boolean compressed) {
        return type.label() + "-" + backendName + "-" + id + (compressed ? COMPRESSED_SUFFIX : "");
    }

    public RecordName parse(String name) throws NoSuchRecordException {
        for (RecordType type : TYPES) {
            String prefix = type.label() + "-" + backendName + "-";
            if (name.startsWith(prefix)) {
                String rest = name.substring(prefix.length());
                boolean compressed = rest.endsWith(COMPRESSED_SUFFIX);
                String digits = compressed ? rest.substring(0, rest.length() - COMPRESSED_SUFFIX.length()) : rest;
                if (!digits.isEmpty() && digits.length() <= 9 && digits.chars().allMatch(Character::isDigit)) {
                    return new RecordName(type, Integer.parseInt(digits), compressed);
                }
            }
        }
        throw new NoSuchRecordException(name);
    }
}
