package org.pstore.api;

import java.util.List;

import org.pstore.api.device.DeviceFigures;

/**
 * What {@code pstore:status} shows: which backend is active, what it holds, and what waits.
 *
 * @param active         the active backend, or null while none is
 * @param standbys       devices waiting to take over, in the order they would
 * @param layout         the zone sizes the registration cuts a backend into
 * @param bufferedWrites writes kept in memory while no backend is active
 * @param swaps          how often the active backend changed since start
 * @param problems       what went wrong reading or writing a backend, and devices that cannot be used
 */
public record BackendStatus(Active active, List<String> standbys, Layout layout, int bufferedWrites,
                            long swaps, List<String> problems) {

    public BackendStatus {
        standbys = List.copyOf(standbys);
        problems = List.copyOf(problems);
    }

    /**
     * The active backend.
     *
     * @param name       the device's name
     * @param kmsgZones  its kmsg zones
     * @param records    the records it holds
     * @param dirtyZones zones whose data waits in memory for the device
     * @param oopsCount  the persistent oops counter
     * @param panicCount the persistent panic counter
     * @param device     the device's own figures (cache, sectors, blocks)
     */
    public record Active(String name, int kmsgZones, int records, int dirtyZones, int oopsCount, int panicCount,
                         DeviceFigures device) {
    }

    /**
     * Zone sizes in bytes, as configured; 0 where a kind of zone is disabled.
     *
     * @param kmsgSize    each kmsg (dmesg) zone
     * @param pmsgSize    the pmsg zone
     * @param consoleSize the console zone
     * @param ftraceSize  the ftrace area, split over {@code cpus}
     * @param cpus        the CPUs the ftrace area is split over
     * @param maxReason   the highest dump reason stored
     */
    public record Layout(long kmsgSize, long pmsgSize, long consoleSize, long ftraceSize, int cpus, int maxReason) {
    }

    /** The active backend's name, or null while none is. */
    public String activeName() {
        return active == null ? null : active.name();
    }
}
