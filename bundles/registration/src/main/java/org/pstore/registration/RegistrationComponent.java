package org.pstore.registration;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;
import org.pstore.api.BackendStatus;
import org.pstore.api.ByteSize;
import org.pstore.api.DumpReason;
import org.pstore.api.Pstore;
import org.pstore.api.PstoreException;
import org.pstore.api.PstoreFrontend;
import org.pstore.api.PstoreRecord;
import org.pstore.api.PstoreRegistry;
import org.pstore.api.RecordType;
import org.pstore.api.WriteStatus;
import org.pstore.api.ZoneStatus;
import org.pstore.api.device.StorageDevice;
import org.pstore.zone.ZoneConfig;
import org.pstore.zone.ZoneLayout;

/**
 * Wires the {@link BackendRegistry} into OSGi: the device services it chooses from, the frontends
 * it serves, its configuration, and an event on {@value #SWAP_TOPIC} at every change of backend.
 */
@Component(immediate = true, configurationPid = RegistrationConfig.PID, service = {Pstore.class, PstoreRegistry.class})
@Designate(ocd = RegistrationConfig.class)
public class RegistrationComponent implements Pstore, PstoreRegistry {

    /** Posted when a backend becomes active; properties {@code previous}, {@code active}, {@code swaps}. */
    public static final String SWAP_TOPIC = "org/pstore/backend/SWAPPED";

    /** The service property that names a device (a file device's configured name, say). */
    static final String DEVICE_NAME = "name";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    private final BackendRegistry registry;

    @Activate
    public RegistrationComponent(RegistrationConfig config) {
        this.registry = new BackendRegistry(settings(config), this::swapped);
    }

    @Modified
    void modified(RegistrationConfig config) {
        registry.configure(settings(config));
    }

    @Deactivate
    void deactivate() {
        registry.close();
    }

    static BackendRegistry.Settings settings(RegistrationConfig c) {
        ZoneLayout layout = new ZoneLayout(ByteSize.parse(c.kmsg_size()), ByteSize.parse(c.pmsg_size()),
                ByteSize.parse(c.console_size()), ByteSize.parse(c.ftrace_size()), c.cpus());
        return new BackendRegistry.Settings(new ZoneConfig(layout, c.max_reason(), c.backend_name()), c.backend());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(StorageDevice device, Map<String, Object> properties) {
        Object name = properties.get(DEVICE_NAME);
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        registry.addDevice(device, name instanceof String s && !s.isEmpty() ? s : device.name(),
                ranking instanceof Integer r ? r : 0);
    }

    void removeDevice(StorageDevice device) {
        registry.removeDevice(device);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFrontend(PstoreFrontend frontend) {
        registry.addFrontend(frontend);
    }

    void removeFrontend(PstoreFrontend frontend) {
        registry.removeFrontend(frontend);
    }

    private void swapped(String previous, String active, long swaps) {
        EventAdmin admin = events;
        if (admin != null) {
            Map<String, Object> props = new HashMap<>();
            props.put("previous", previous == null ? "" : previous);
            props.put("active", active);
            props.put("swaps", swaps);
            admin.postEvent(new Event(SWAP_TOPIC, props));
        }
    }

    @Override
    public List<PstoreRecord> records() throws PstoreException {
        return registry.records();
    }

    @Override
    public byte[] read(String name) throws PstoreException {
        return registry.read(name);
    }

    @Override
    public void erase(String name) throws PstoreException {
        registry.erase(name);
    }

    @Override
    public WriteStatus dump(DumpReason reason, byte[] text, boolean compress) throws PstoreException {
        return registry.dump(reason, text, compress);
    }

    @Override
    public WriteStatus append(RecordType type, byte[] bytes) throws PstoreException {
        return registry.append(type, bytes);
    }

    @Override
    public WriteStatus panicDump(DumpReason reason, ByteBuffer text, boolean compress) throws PstoreException {
        return registry.panicDump(reason, text, compress);
    }

    @Override
    public boolean hasZones(RecordType type) {
        return registry.hasZones(type);
    }

    @Override
    public int maxReason() {
        return registry.maxReason();
    }

    @Override
    public int dumpCapacity(boolean compress) {
        return registry.dumpCapacity(compress);
    }

    @Override
    public void register(StorageDevice device) throws PstoreException {
        registry.register(device);
    }

    @Override
    public void unregister(StorageDevice device) {
        registry.unregister(device);
    }

    @Override
    public BackendStatus status() {
        return registry.status();
    }

    @Override
    public List<ZoneStatus> zones() throws PstoreException {
        return registry.zones();
    }
}
