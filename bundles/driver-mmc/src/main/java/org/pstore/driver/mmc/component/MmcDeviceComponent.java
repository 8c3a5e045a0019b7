package org.pstore.driver.mmc.component;

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
import org.pstore.api.PstoreException;
import org.pstore.api.device.ForwardingStorageDevice;
import org.pstore.api.device.StorageDevice;
import org.pstore.driver.mmc.MmcDevice;
import org.pstore.driver.mmc.MmcImages;

/**
 * An {@link MmcDevice} as a service, one per factory configuration. A configuration that cannot be
 * opened logs why and registers nothing.
 */
@Component(immediate = true, service = StorageDevice.class, configurationPid = MmcDeviceConfig.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MmcDeviceConfig.class, factory = true)
public class MmcDeviceComponent extends ForwardingStorageDevice {

    @Activate
    public MmcDeviceComponent(MmcDeviceConfig config,
                              @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL)
                              Logger logger) throws PstoreException {
        super(open(config, logger));
    }

    private static MmcDevice open(MmcDeviceConfig config, Logger logger) throws PstoreException {
        try {
            if (config.path() == null || config.path().isBlank()) {
                throw new PstoreException("MMC device configuration has no path");
            }
            return new MmcDevice(MmcImages.openOrFormat(Path.of(config.path()), config.card_size(),
                    config.partition_offset(), config.partition_size(), config.erased()),
                    config.name().isBlank() ? config.path() : config.name());
        } catch (PstoreException e) {
            if (logger != null) {
                logger.error("pstore MMC device not started: {}", e.getMessage());
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
        // the component's lifecycle owns the card: it closes on deactivation
    }
}
