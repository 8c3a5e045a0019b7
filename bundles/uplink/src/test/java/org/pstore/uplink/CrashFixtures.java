package org.pstore.uplink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Crash folders as the archive's contract describes them, made by the tests: meta.json, a record
 * under its Linux name and dmesg.txt, written under a '.' name and renamed when complete.
 */
public final class CrashFixtures {

    private CrashFixtures() {
    }

    /** Writes crash {@code id} into {@code archive}; returns its files (name to bytes), the test's oracle. */
    public static Map<String, byte[]> write(Path archive, String id, int dmesgBytes, long seed) throws IOException {
        Random random = new Random(seed);
        StringBuilder dmesg = new StringBuilder("Oops#1 Part1\n");
        while (dmesg.length() < dmesgBytes) {
            dmesg.append(String.format("<4>[%6d.%06d] worker %d: step %x failed%n", random.nextInt(99999),
                    random.nextInt(999999), random.nextInt(64), random.nextLong()));
        }
        byte[] text = dmesg.substring(0, dmesgBytes).getBytes(StandardCharsets.UTF_8);
        byte[] record = new byte[text.length + 64];
        random.nextBytes(record); // stands for the raw record, any bytes
        Map<String, byte[]> files = new TreeMap<>();
        files.put("dmesg.txt", text);
        files.put("dmesg-pstore_blk-0", record);
        files.put(CrashMessage.META, ("{\"id\":\"" + id + "\",\"reason\":\"Oops\",\"counter\":1,\"backend\":\"pstore_blk\","
                + "\"sizes\":{\"dmesg.txt\":" + text.length + "}}").getBytes(StandardCharsets.UTF_8));
        Path tmp = archive.resolve("." + id);
        Files.createDirectories(tmp);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(tmp.resolve(f.getKey()), f.getValue());
        }
        Files.move(tmp, archive.resolve(id), StandardCopyOption.ATOMIC_MOVE);
        return files;
    }
}
