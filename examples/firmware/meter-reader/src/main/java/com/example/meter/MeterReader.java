package com.example.meter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.pstore.api.KmsgDumper;
import org.pstore.api.Pmsg;

/**
 * The application: reads the lines the meter appends to a file, keeps every reading as a pmsg line
 * (they survive a crash and show under pmsg-* after the next start), and treats a line that is not
 * a reading as fatal: it reports it through the kmsg dumper as an Oops record and stops reading.
 */
@Component(configurationPid = MeterReaderConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MeterReaderConfig.class)
public class MeterReader {

    private final Path meter;
    private final Pmsg pmsg;
    private final KmsgDumper dumper;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "meter reader"));
    /** Lines of the meter file already taken (touched by the timer thread only). */
    private int taken;

    @Activate
    public MeterReader(MeterReaderConfig config, @Reference Pmsg pmsg, @Reference KmsgDumper dumper) {
        this.meter = Path.of(config.meter_path());
        this.pmsg = pmsg;
        this.dumper = dumper;
        timer.scheduleWithFixedDelay(this::readMeter, 0, config.interval_ms(), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    private void readMeter() {
        try {
            List<String> lines = Files.readAllLines(meter, StandardCharsets.UTF_8);
            for (; taken < lines.size(); taken++) {
                String line = lines.get(taken).trim();
                try {
                    double kwh = Double.parseDouble(line);
                    pmsg.write(("meter-reader: " + kwh + " kWh\n").getBytes(StandardCharsets.UTF_8));
                } catch (NumberFormatException e) {
                    dumper.oops("meter-reader: fatal: the meter sent '" + line + "'");
                    timer.shutdown();
                    return;
                }
            }
        } catch (NoSuchFileException e) {
            // no meter connected yet
        } catch (IOException e) { // PstoreException too: a write the device refused
            System.err.println("meter-reader: " + e.getMessage());
        }
    }
}
