package org.pstore.driver.nand.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One NAND device per factory configuration of {@value #PID}. */
@ObjectClassDefinition(name = "pstore NAND device", description = "kmsg zones on a NAND chip image, like mtdpstore")
public @interface NandDeviceConfig {

    String PID = "org.pstore.driver.nand";

    @AttributeDefinition(description = "The chip image; a relative path is taken from the working directory")
    String path();

    @AttributeDefinition(description = "The device's name; empty: the path", required = false)
    String name() default "";

    @AttributeDefinition(description = "The kmsg zone size: the same as the registration's kmsg.size; whole pages"
            + " that divide the erase block")
    String kmsg_size() default "64K";

    @AttributeDefinition(description = "To format a missing image: the number of erase blocks", required = false)
    String blocks() default "";

    @AttributeDefinition(description = "... page size, 2048 or 4096", required = false)
    String page_size() default "2048";

    @AttributeDefinition(description = "... OOB size per page", required = false)
    String oob_size() default "64";

    @AttributeDefinition(description = "... pages per erase block", required = false)
    String pages_per_block() default "64";

    @AttributeDefinition(description = "... factory bad blocks, comma-separated", required = false)
    String bad_blocks() default "";
}
