package org.pstore.archive;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Where crashes are archived and how many are kept; systemd-pstore's {@code Storage=} and
 * {@code Unlink=} plus the limits it lacks. An underscore in a method name reads a dot.
 */
@ObjectClassDefinition(name = "pstore archive",
        description = "Copies every crash off the partition into a folder per crash")
public @interface ArchiveConfig {

    String PID = "org.pstore.archive";

    @AttributeDefinition(description = "The archive folder, relative to the working folder; created when missing")
    String directory() default "archive";

    @AttributeDefinition(description = "Erase a record from the partition once its copy is durable")
    boolean unlink() default true;

    @AttributeDefinition(description = "Crashes older than this go (s, m, h or d suffix; 0 keeps them); never the newest")
    String max_age() default "0";

    @AttributeDefinition(description = "The most bytes the archive keeps (K, M or G suffix; 0 no limit); never drops the newest")
    String max_bytes() default "0";

    @AttributeDefinition(description = "The most crashes the archive keeps (0 no limit); the newest always stays", min = "0")
    int max_count() default 0;

    @AttributeDefinition(description = "Linux's pstore folder, archived too when it exists and is readable; empty: none")
    String kernel_dir() default "/sys/fs/pstore";
}
