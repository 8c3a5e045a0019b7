package org.pstore.registration;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The backend's layout and which device to prefer; like pstore_blk's module parameters, with the
 * OSGi spelling: {@code kmsg.size} for {@code kmsg_size} (an underscore in a method name reads a dot).
 */
@ObjectClassDefinition(name = "pstore registration",
        description = "Which storage device is the pstore backend, and how it is cut into zones")
public @interface RegistrationConfig {

    String PID = "org.pstore.registration";

    @AttributeDefinition(description = "Name of the device to use; empty: the highest service ranking, then the oldest",
            required = false)
    String backend() default "";

    @AttributeDefinition(description = "Size of each kmsg (dmesg) zone, with an optional K or M suffix; 0 disables")
    String kmsg_size() default "64K";

    @AttributeDefinition(description = "Size of the pmsg zone; 0 disables")
    String pmsg_size() default "64K";

    @AttributeDefinition(description = "Size of the console zone; 0 disables")
    String console_size() default "64K";

    @AttributeDefinition(description = "Size of the ftrace area, split over the CPUs; 0 disables")
    String ftrace_size() default "0";

    @AttributeDefinition(description = "CPUs the ftrace area is split over", min = "1")
    int cpus() default 1;

    @AttributeDefinition(description = "Highest dump reason stored: 1 panic, 2 oops, 3 emergency, 4 shutdown", min = "0")
    int max_reason() default 2;

    @AttributeDefinition(description = "Middle part of record names")
    String backend_name() default "pstore_blk";
}
