package org.pstore.api.device;

import java.io.IOException;

/**
 * The device's answer "do not use this region, use the next one" (Linux's -ENOMSG): a bad block, a
 * page that is already programmed. Nothing was written.
 */
public class SkipZoneException extends IOException {
    private static final long serialVersionUID = 1L;

    public SkipZoneException(String message) {
        super(message);
    }
}
