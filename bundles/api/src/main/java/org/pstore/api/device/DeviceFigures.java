package org.pstore.api.device;

import java.util.List;
import java.util.Optional;

/**
 * A device's own figures for status and {@code info}: named values (a cache's state, sector
 * counts) and, for a device made of parts, the same for each part (a NAND chip's blocks). The
 * shell, the tool and a web page render them; nobody parses them.
 *
 * @param figures the device's named values, in the order the device gives them
 * @param parts   the device's parts, in order; empty where it has none worth showing
 */
public record DeviceFigures(List<Figure> figures, List<Part> parts) {

    /** A device with nothing to add to its name and size. */
    public static final DeviceFigures NONE = new DeviceFigures(List.of(), List.of());

    public DeviceFigures {
        figures = List.copyOf(figures);
        parts = List.copyOf(parts);
    }

    /** One named value, for example {@code cache=on} or {@code programs=12}. */
    public record Figure(String name, String value) {

        public static Figure of(String name, long value) {
            return new Figure(name, Long.toString(value));
        }

        public static Figure of(String name, boolean on) {
            return new Figure(name, on ? "on" : "off");
        }

        /** {@code name=value}. */
        @Override
        public String toString() {
            return name + "=" + value;
        }
    }

    /** A part of the device and its figures, for example {@code block-3 state=bad}. */
    public record Part(String name, List<Figure> figures) {

        public Part {
            figures = List.copyOf(figures);
        }

        /** The value of the named figure, if the part has it. */
        public Optional<String> value(String figure) {
            return valueIn(figures, figure);
        }
    }

    /** Whether there is nothing to show. */
    public boolean isEmpty() {
        return figures.isEmpty() && parts.isEmpty();
    }

    /** The value of the named figure, if the device has it. */
    public Optional<String> value(String figure) {
        return valueIn(figures, figure);
    }

    /** The named part, if the device has it. */
    public Optional<Part> part(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private static Optional<String> valueIn(List<Figure> figures, String name) {
        return figures.stream().filter(f -> f.name().equals(name)).map(Figure::value).findFirst();
    }
}
