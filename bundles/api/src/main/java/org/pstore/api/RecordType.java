package org.pstore.api;

/**
 * Record types, numbered as Linux's {@code enum pstore_type_id}. The number is part of the on-disk
 * format (it is XORed into every zone signature); the name is the first part of a record's name.
 */
public enum RecordType {
    DMESG(0, "dmesg"),
    MCE(1, "mce"),
    CONSOLE(2, "console"),
    FTRACE(3, "ftrace"),
    PPC_RTAS(4, "rtas"),
    PPC_OF(5, "powerpc-ofw"),
    PPC_COMMON(6, "powerpc-common"),
    PMSG(7, "pmsg"),
    PPC_OPAL(8, "powerpc-opal");

    private final int id;
    private final String label;

    RecordType(int id, String label) {
        this.id = id;
        this.label = label;
    }

    /** The number Linux gives this type on disk. */
    public int id() {
        return id;
    }

    /** The name Linux gives this type under /sys/fs/pstore, for example {@code dmesg}. */
    public String label() {
        return label;
    }

}
