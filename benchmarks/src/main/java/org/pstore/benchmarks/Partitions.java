package org.pstore.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import org.pstore.api.DumpReason;
import org.pstore.api.RecordType;
import org.pstore.zone.internal.ZoneFormat;
import org.pstore.zone.ZoneLayout;

/** Partition files for the benchmarks: sparse, and optionally with a record in every zone. */
final class Partitions {

    private Partitions() {
    }

    static Path newFile(String prefix, long size) throws IOException {
        Path file = Files.createTempFile(prefix, ".img");
        file.toFile().deleteOnExit();
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(1), size - 1);
        }
        return file;
    }

    /** Fills every zone of the layout with a small record, as a partition in long use would be. */
    static void fill(Path file, ZoneLayout layout) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = c.size();
            CRC32C crc = new CRC32C();
            byte[] text = "<4>[  1.000000] a record in every zone\n".getBytes();
            ByteBuffer zone = ByteBuffer.allocate(ZoneFormat.KMSG_TEXT_OFFSET + text.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < layout.kmsgCount(size); i++) {
                zone.clear();
                ZoneFormat.putHeader(zone, 0, ZoneFormat.signature(RecordType.DMESG), ZoneFormat.KMSG_HEADER_SIZE + text.length, 0);
                zone.position(ZoneFormat.KMSG_TEXT_OFFSET);
                zone.put(text);
                ZoneFormat.putKmsgHeader(zone, 1_800_000_000L + i, 0, false, i + 1, DumpReason.OOPS.code(), crc,
                        ByteBuffer.wrap(text));
                c.write(zone.clear(), layout.kmsgZoneOffset(i));
            }
            for (var ring : layout.ringZones()) {
                ByteBuffer r = ByteBuffer.allocate(ring.size()).order(ByteOrder.LITTLE_ENDIAN);
                ZoneFormat.putHeader(r, 0, ring.signature(), ring.capacity(), 100);
                for (int i = ZoneFormat.HEADER_SIZE; i < ring.size(); i++) {
                    r.put(i, (byte) ('a' + i % 26));
                }
                c.write(r, ring.offset());
            }
        }
    }
}
