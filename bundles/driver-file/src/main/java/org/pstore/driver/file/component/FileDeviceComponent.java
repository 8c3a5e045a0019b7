package org.pstore.driver.file.component;

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
import org.pstore.driver.file.FileDevice;

/**
 * A {@link FileDevice} as a service, one per factory configuration. A configuration that names a
 * missing directory, a file of another size or anything else that cannot be opened fails the
 * activation with a message saying why, registers no service and changes nothing on disk.
 */
@Component(immediate = true, service = StorageDevice.class, configurationPid = FileDeviceConfig.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = FileDeviceConfig.class, factory = true)
public class FileDeviceComponent extends ForwardingStorageDevice {

    private final String name;

    @Activate
    public FileDeviceComponent(FileDeviceConfig config,
                               @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL)
                               Logger logger) throws PstoreException {
        super(open(config, logger));
        this.name = config.name().isBlank() ? config.path() : config.name();
    }

    private static FileDevice open(FileDeviceConfig config, Logger logger) throws PstoreException {
        try {
            if (config.path() == null || config.path().isBlank()) {
                throw new PstoreException("file device configuration has no path");
            }
            Path path = Path.of(config.path());
            long size;
            try {
                size = config.size().isBlank() ? 0 : ByteSize.parse(config.size());
            } catch (IllegalArgumentException e) {
                throw new PstoreException("file device " + path + ": size " + e.getMessage());
            }
            return size > 0 ? FileDevice.openOrCreate(path, size) : FileDevice.open(path, false);
        } catch (PstoreException e) {
            if (logger != null) {
                logger.error("pstore file device not started: {}", e.getMessage());
            }
            throw e;
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        target.close();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        // the component's lifecycle owns the file: it closes on deactivation
    }
}
