package org.pstore.driver.file.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One file device per factory configuration of {@value #PID}. */
@ObjectClassDefinition(name = "pstore file device",
        description = "A pstore partition in a regular file or on a block device node")
public @interface FileDeviceConfig {

    String PID = "org.pstore.driver.file";

    @AttributeDefinition(description = "Image file or block device node; a relative path is taken from the working directory")
    String path();

    @AttributeDefinition(description = "Size with an optional K, M or G suffix: a missing image file is created at this size,"
            + " an existing one must have it. Empty: the file's or block device's own size", required = false)
    String size() default "";

    @AttributeDefinition(description = "The device's name in status and in the registration's 'backend' setting;"
            + " empty: the path", required = false)
    String name() default "";
}
