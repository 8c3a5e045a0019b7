package org.pstore.frontend;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "pstore kmsg dumper", description = "Dumps the recent log on an oops or a panic")
public @interface KmsgDumperConfig {

    String PID = "org.pstore.frontend.kmsg";

    @AttributeDefinition(description = "Compress dumps with raw deflate, as Linux with pstore.compress=deflate (compressed records show no \"Total\" line)")
    boolean compress() default false;

    @AttributeDefinition(description = "Bytes of recent log kept in memory for the next dump", min = "4096")
    int log_bytes() default 262144;
}
