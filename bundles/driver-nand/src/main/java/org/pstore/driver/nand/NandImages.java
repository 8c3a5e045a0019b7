package org.pstore.driver.nand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

import org.pstore.api.ByteSize;
import org.pstore.api.PstoreException;

/** Opening or formatting a NAND image from the words people write in options and configuration. */
public final class NandImages {

    private NandImages() {
    }

    /** Opens the image, formatting it first when it is missing and a geometry is given. */
    public static NandChip openOrFormat(Path path, String pageSize, String oobSize, String pagesPerBlock, String blocks,
                                        String badBlocks) throws PstoreException {
        if (Files.exists(path) || blocks == null || blocks.isBlank()) {
            return NandChip.open(path, false);
        }
        return format(path, pageSize, oobSize, pagesPerBlock, blocks, badBlocks);
    }

    /**
     * Formats a chip image. Defaults: 2048-byte pages, 64-byte OOB, 64 pages a block.
     *
     * @param badBlocks factory bad blocks, comma-separated block numbers, or empty
     */
    public static NandChip format(Path path, String pageSize, String oobSize, String pagesPerBlock, String blocks,
                                  String badBlocks) throws PstoreException {
        try {
            Set<Integer> bad = new LinkedHashSet<>();
            if (badBlocks != null && !badBlocks.isBlank()) {
                for (String b : badBlocks.split(",")) {
                    bad.add(Integer.parseInt(b.trim()));
                }
            }
            return NandChip.format(path, number(pageSize, 2048), number(oobSize, 64), number(pagesPerBlock, 64),
                    number(blocks, 0), bad);
        } catch (IllegalArgumentException e) {
            throw new PstoreException("NAND image " + path + ": " + e.getMessage());
        }
    }

    private static int number(String text, int otherwise) {
        return text == null || text.isBlank() ? otherwise : Math.toIntExact(ByteSize.parse(text));
    }
}
