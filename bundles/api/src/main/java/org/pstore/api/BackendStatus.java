package org.pstore.api;

import java.util.List;

/**
 * What {@code pstore:status} shows.
 *
 * @param active         the active device's name, or null while none is
 * @param standbys       devices waiting to take over, in the order they would
 * @param layout         the zone layout in use
 * @param kmsgZones      kmsg zones of the active backend
 * @param records        records it holds
 * @param dirtyZones     zones whose data waits in memory for the device
 * @param bufferedWrites writes kept in memory while no backend is active
 * @param oopsCount      the persistent oops counter
 * @param panicCount     the persistent panic counter
 * @param swaps          how often the active backend changed since start
 * @param problems       what went wrong reading or writing the active backend
 * @param device         the active device's own figures (cache, sectors, blocks), or empty
 */
public record BackendStatus(String active, List<String> standbys, String layout, int kmsgZones, int records,
                            int dirtyZones, int bufferedWrites, int oopsCount, int panicCount, long swaps,
                            List<String> problems, String device) {
}
