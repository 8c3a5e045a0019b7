package com.example.meter;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Meter reader", description = "reads an electricity meter and keeps its readings in pmsg")
@interface MeterReaderConfig {

    String PID = "com.example.meter";

    @AttributeDefinition(description = "the file the meter appends its readings to, one kWh figure a line")
    String meter_path() default "meter.txt";

    @AttributeDefinition(description = "how often the file is read, in milliseconds", min = "10")
    long interval_ms() default 1000;
}
