package io.backprop4j;

import java.nio.file.Path;

/**
 * A file (or stream) that cannot be read as what it claims to be. {@link #source()} names it and
 * {@link #location()} says where in it, as "line 3, column 7" or "byte 1024", when known.
 */
public class FormatException extends BackpropException {
    private final String source;
    private final String location;

    public FormatException(String source, String location, String message) {
        super(compose(source, location, message));
        this.source = source;
        this.location = location;
    }

    public FormatException(Path source, String location, String message) {
        this(source == null ? null : source.toString(), location, message);
    }

    public FormatException(String source, String location, String message, Throwable cause) {
        super(compose(source, location, message), cause);
        this.source = source;
        this.location = location;
    }

    /** The file or stream name, or null when not known. */
    public String source() {
        return source;
    }

    /** Where in the source, such as "line 3, column 7" or "byte 1024"; null when not known. */
    public String location() {
        return location;
    }

    private static String compose(String source, String location, String message) {
        StringBuilder sb = new StringBuilder();
        if (source != null) sb.append(source);
        if (location != null) sb.append(sb.isEmpty() ? "" : ", ").append(location);
        if (!sb.isEmpty()) sb.append(": ");
        return sb.append(message).toString();
    }
}
