package org.pstore.uplink.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Where archived crashes go: an MQTT broker (an underscore in a method name reads a dot). */
@ObjectClassDefinition(name = "pstore uplink",
        description = "Publishes every archived crash to an MQTT broker and answers list/get/erase requests")
public @interface UplinkConfig {

    String PID = "org.pstore.uplink";

    @AttributeDefinition(description = "Broker URI, e.g. tcp://broker:1883 or ssl://broker:8883; empty: the uplink is off",
            required = false)
    String broker() default "";

    @AttributeDefinition(description = "The id crashes are published under (letters, digits, . _ : @ -); empty: the host name",
            required = false)
    String gateway_id() default "";

    @AttributeDefinition(description = "User name at the broker; empty: none", required = false)
    String username() default "";

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password at the broker; empty: none",
            required = false)
    String password() default "";

    @AttributeDefinition(description = "First topic level: <prefix>/<gateway.id>/crash/<crash id>")
    String topic_prefix() default "pstore";

    @AttributeDefinition(description = "Crashes sent in any hour at most; 0: no limit", min = "0")
    int max_per_hour() default 12;

    @AttributeDefinition(description = "Message bytes sent in any 24 hours at most, with an optional K, M or G suffix; 0: no limit")
    String max_bytes_per_day() default "16M";

    @AttributeDefinition(description = "Folder that records what the broker acknowledged (relative to the working folder)")
    String state_dir() default "uplink";
}
