package org.pstore.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.pstore.api.device.StorageDevice;

/**
 * Exactly one active backend at a time, like Linux's {@code pstore_register()}. Devices published
 * as services are picked up by themselves; this interface is for registering one explicitly.
 */
@ProviderType
public interface PstoreRegistry {

    /**
     * Makes {@code device} the backend. Refused with {@link BackendBusyException}, naming the active
     * backend, while one is active: never a silent replacement.
     */
    void register(StorageDevice device) throws PstoreException;

    /** Releases a device registered with {@link #register}; the next device takes over. */
    void unregister(StorageDevice device);

    /** The active backend, the standbys and what the active one holds. */
    BackendStatus status();

    /**
     * The active backend's zones in device order, read from the device without changing anything.
     *
     * @throws PstoreException when no backend is active, or the device cannot be read
     */
    List<ZoneStatus> zones() throws PstoreException;
}
