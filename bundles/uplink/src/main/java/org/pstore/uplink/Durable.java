package org.pstore.uplink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The step that makes a create, rename or delete in a folder survive a power cut. */
public final class Durable {

    private Durable() {
    }

    /** Forces the folder's entries to the disk (fsync on the directory, as Linux allows). */
    public static void forceFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
