package org.pstore.archive;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import org.pstore.api.Pstore;

/**
 * The records the active pstore backend kept from before it was opened. The backend may change
 * under a run (a hot swap): then reads and erases fail rather than reach another device's record
 * of the same name, and the records are archived when their device is active again.
 */
final class PstoreSource implements RecordSource {

    private final Pstore pstore;
    private final Supplier<String> active;
    private final String device;

    PstoreSource(Pstore pstore, Supplier<String> active) {
        this.pstore = pstore;
        this.active = active;
        this.device = active.get();
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public List<Entry> records() throws IOException {
        checkActive();
        List<Entry> records = pstore.records().stream().map(r -> new Entry(r.name(), r.time())).toList();
        checkActive();
        return records;
    }

    @Override
    public byte[] read(Entry record) throws IOException {
        checkActive();
        byte[] bytes = pstore.read(record.name());
        checkActive();
        return bytes;
    }

    @Override
    public void erase(Entry record) throws IOException {
        checkActive();
        pstore.erase(record.name());
    }

    private void checkActive() throws IOException {
        String now = active.get();
        if (device == null || !Objects.equals(device, now)) {
            throw new IOException("the backend changed from " + device + " to " + now);
        }
    }
}
