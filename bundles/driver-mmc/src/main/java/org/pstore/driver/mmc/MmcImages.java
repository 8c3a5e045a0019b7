package org.pstore.driver.mmc;

import java.nio.file.Files;
import java.nio.file.Path;

import org.pstore.api.ByteSize;
import org.pstore.api.PstoreException;

/** Opening or formatting a card image from the words people write in options and configuration. */
public final class MmcImages {

    private MmcImages() {
    }

    /**
     * Opens the image, formatting it first when it is missing and {@code cardSize} is given.
     *
     * @param partitionSize empty: from the offset to the end of the card
     * @param erased        {@code 0x00} or {@code 0xff}
     */
    public static MmcCard openOrFormat(Path path, String cardSize, String partitionOffset, String partitionSize,
                                       String erased) throws PstoreException {
        if (Files.exists(path) || cardSize == null || cardSize.isBlank()) {
            return MmcCard.open(path, false);
        }
        return format(path, cardSize, partitionOffset, partitionSize, erased);
    }

    public static MmcCard format(Path path, String cardSize, String partitionOffset, String partitionSize,
                                 String erased) throws PstoreException {
        try {
            long card = ByteSize.parse(cardSize);
            long offset = partitionOffset == null || partitionOffset.isBlank() ? 0 : ByteSize.parse(partitionOffset);
            long size = partitionSize == null || partitionSize.isBlank() ? card - offset : ByteSize.parse(partitionSize);
            return MmcCard.format(path, card, offset, size, erasedValue(erased));
        } catch (IllegalArgumentException e) {
            throw new PstoreException("MMC image " + path + ": " + e.getMessage());
        }
    }

    static byte erasedValue(String word) throws PstoreException {
        String w = word == null ? "0x00" : word.trim().toLowerCase(java.util.Locale.ROOT);
        switch (w) {
            case "0x00", "00", "0" -> {
                return 0;
            }
            case "0xff", "ff", "255" -> {
                return (byte) 0xff;
            }
            default -> throw new PstoreException("erased value is 0x00 or 0xff, not '" + word + "'");
        }
    }
}
