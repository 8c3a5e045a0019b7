package org.pstore.driver.mmc.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One MMC device per factory configuration of {@value #PID}. */
@ObjectClassDefinition(name = "pstore MMC device", description = "The pstore partition of an MMC card image")
public @interface MmcDeviceConfig {

    String PID = "org.pstore.driver.mmc";

    @AttributeDefinition(description = "The card image; a relative path is taken from the working directory")
    String path();

    @AttributeDefinition(description = "The device's name; empty: the path", required = false)
    String name() default "";

    @AttributeDefinition(description = "When the image is missing it is formatted: card capacity (K/M/G suffix)",
            required = false)
    String card_size() default "";

    @AttributeDefinition(description = "... the pstore partition's offset inside the card", required = false)
    String partition_offset() default "0";

    @AttributeDefinition(description = "... the partition's size; empty: the rest of the card", required = false)
    String partition_size() default "";

    @AttributeDefinition(description = "... what erased sectors read: 0x00 or 0xff", required = false)
    String erased() default "0x00";
}
