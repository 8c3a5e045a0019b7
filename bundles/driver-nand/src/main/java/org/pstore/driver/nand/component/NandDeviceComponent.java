package org.pstore.driver.nand.component;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.pstore.api.ByteSize;
import org.pstore.api.PstoreException;
import org.pstore.api.device.ForwardingStorageDevice;
import org.pstore.api.device.StorageDevice;
import org.pstore.driver.nand.NandImages;
import org.pstore.driver.nand.NandPstoreDevice;

/**
 * A {@link NandPstoreDevice} as a service, one per factory configuration. A configuration that
 * cannot be opened logs why and registers nothing.
 */
@Component(immediate = true, service = StorageDevice.class, configurationPid = NandDeviceConfig.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = NandDeviceConfig.class, factory = true)
public class NandDeviceComponent extends ForwardingStorageDevice {

    @Activate
    public NandDeviceComponent(NandDeviceConfig config,
                               @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL)
                               Logger logger) throws PstoreException {
        super(open(config, logger));
    }

    private static NandPstoreDevice open(NandDeviceConfig config, Logger logger) throws PstoreException {
        try {
            if (config.path() == null || config.path().isBlank()) {
                throw new PstoreException("NAND device configuration has no path");
            }
            int zone;
            try {
                zone = Math.toIntExact(ByteSize.parse(config.kmsg_size()));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new PstoreException("NAND device " + config.path() + ": kmsg.size " + e.getMessage());
            }
            return NandPstoreDevice.open(NandImages.openOrFormat(Path.of(config.path()), config.page_size(),
                    config.oob_size(), config.pages_per_block(), config.blocks(), config.bad_blocks()),
                    config.name().isBlank() ? config.path() : config.name(), zone);
        } catch (PstoreException e) {
            if (logger != null) {
                logger.error("pstore NAND device not started: {}", e.getMessage());
            }
            throw e;
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        target.close();
    }

    @Override
    public void close() {
        // the component's lifecycle owns the chip: it closes on deactivation
    }
}
