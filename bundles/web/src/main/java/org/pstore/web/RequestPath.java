package org.pstore.web;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The parts of an API path, checked before anything is looked up: a name or id never needs
 * percent-encoding, dots in a row, a slash or more than {@value #MAX_PART} characters, so a path
 * with any of them is refused whole (400) and never reaches a record, a zone or a file.
 */
final class RequestPath {

    static final int MAX_PART = 128;
    /** What Linux record names and crash ids are made of. */
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_+-]+(\\.[A-Za-z0-9_+-]+)*");

    private RequestPath() {
    }

    /**
     * The path's parts after the API's prefix, or null when the path is not acceptable.
     *
     * @param rawPath the request's path as it came, not decoded ({@code getRequestURI()} minus the prefix)
     */
    static List<String> parts(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.equals("/")) {
            return List.of();
        }
        if (!rawPath.startsWith("/")) {
            return null;
        }
        String[] split = rawPath.substring(1).split("/", -1);
        if (split.length > 2) {
            return null;
        }
        for (String part : split) {
            if (part.length() > MAX_PART || !PART.matcher(part).matches()) {
                return null;
            }
        }
        return List.of(split);
    }
}
