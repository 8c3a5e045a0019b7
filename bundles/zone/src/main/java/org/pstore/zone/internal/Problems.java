package org.pstore.zone.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What went wrong while recovering, reading or flushing: the first {@value #MAX} messages and a count. */
public final class Problems {

    static final int MAX = 64;

    private final List<String> messages = new ArrayList<>();
    private int count;

    public synchronized void add(String message) {
        count++;
        if (messages.size() < MAX) {
            messages.add(message);
        }
    }

    public synchronized List<String> list() {
        List<String> list = new ArrayList<>(messages);
        if (count > messages.size()) {
            list.add("... and " + (count - messages.size()) + " more");
        }
        return Collections.unmodifiableList(list);
    }
}
