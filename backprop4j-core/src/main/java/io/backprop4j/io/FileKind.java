package io.backprop4j.io;

import io.backprop4j.BackpropException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a path names, found without opening it: readers use it to refuse a FIFO or a device
 * before {@code open} could block on it or read from it forever, and {@link AtomicFiles} to refuse
 * replacing one.
 *
 * <pre>{@code
 * FileKind.of(Path.of("/dev/null"));         // CHARACTER_DEVICE
 * FileKind.requireRegular(path, "a model");  // throws "x: is a FIFO (named pipe), not a regular file ..."
 * }</pre>
 */
public enum FileKind {
    /** Nothing at the path (and it is not a symbolic link). */
    MISSING("no such file"),
    /** A symbolic link (or a chain of them) ending where nothing is. */
    BROKEN_LINK("a symbolic link to a file that does not exist"),
    /** A symbolic link that leads back to itself, or a path through too many links. */
    LINK_LOOP("a symbolic link loop (too many levels of symbolic links)"),
    REGULAR("a regular file"),
    DIRECTORY("a directory"),
    FIFO("a FIFO (named pipe)"),
    CHARACTER_DEVICE("a character device"),
    BLOCK_DEVICE("a block device"),
    SOCKET("a socket"),
    /** Something else, or a path whose attributes cannot be read. */
    OTHER("not a regular file");

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFSOCK = 0140000;

    private final String description;

    FileKind(String description) {
        this.description = description;
    }

    /** "a FIFO (named pipe)", "a directory", "no such file"... */
    public String description() {
        return description;
    }

    /** What {@code path} names, following symbolic links. */
    public static FileKind of(Path path) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Files.isSymbolicLink(path) ? BROKEN_LINK : MISSING;
        } catch (FileSystemException e) {
            String why = e.getReason();
            return why != null && why.startsWith("Too many levels of symbolic links") ? LINK_LOOP : OTHER;
        } catch (IOException | SecurityException e) {
            return OTHER;
        }
        if (a.isRegularFile()) return REGULAR;
        if (a.isDirectory()) return DIRECTORY;
        if (a.isSymbolicLink()) return LINK_LOOP; // only when the link itself could not be followed
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            if (mode instanceof Integer m) {
                return switch (m & S_IFMT) {
                    case S_IFIFO -> FIFO;
                    case S_IFCHR -> CHARACTER_DEVICE;
                    case S_IFBLK -> BLOCK_DEVICE;
                    case S_IFSOCK -> SOCKET;
                    default -> OTHER;
                };
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            // no "unix" attribute view (Windows): "not a regular file" is all we can say
        }
        return OTHER;
    }

    /**
     * Refuses anything but a regular file (after symbolic links), without opening it.
     *
     * @param what what the file should be, for the message: "a model file", "a checkpoint"
     * @throws BackpropException "{@code path}: no such file", "{@code path}: is a FIFO (named
     *     pipe), not a regular file; expected a model file"...
     */
    public static void requireRegular(Path path, String what) {
        FileKind k = of(path);
        if (k == REGULAR) return;
        throw new BackpropException(path + ": " + k.notRegular(what));
    }

    /** "no such file", or "is a FIFO (named pipe), not a regular file; expected " + what. */
    String notRegular(String what) {
        return switch (this) {
            case MISSING -> "no such file";
            case BROKEN_LINK -> "is " + description + "; expected " + what;
            case OTHER -> "is not a regular file (or cannot be inspected); expected " + what;
            default -> "is " + description + ", not a regular file; expected " + what;
        };
    }
}
