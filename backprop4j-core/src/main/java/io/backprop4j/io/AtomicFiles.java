package io.backprop4j.io;

import io.backprop4j.BackpropException;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes files so that a reader sees either the old file or the complete new one, never a
 * half-written file, even when the process or the machine dies in the middle.
 *
 * <p>How: the bytes go to a temporary file in the target's directory (named
 * {@code .NAME.PID-N.tmp}), which is flushed and forced to disk ({@link FileChannel#force}); it is
 * then renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE} (falling back to
 * {@link StandardCopyOption#REPLACE_EXISTING} where the file system cannot move atomically), and
 * finally the directory itself is forced so that the rename survives a crash (where the platform
 * allows opening a directory; elsewhere this step is skipped). On any failure the temporary file
 * is deleted and the target is left as it was. Missing parent directories are created.
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("model.json"), "{}".getBytes(UTF_8));
 * AtomicFiles.write(Path.of("log.txt"), out -> out.write(bytes));
 * }</pre>
 *
 * <p>Errors: an {@link IOException} from the file system or from the writer becomes a
 * {@link BackpropException} naming the target file, with the cause attached.
 */
public final class AtomicFiles {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final int BUFFER_BYTES = 1 << 16;

    private AtomicFiles() {}

    /** Writes bytes to an {@link OutputStream}; may throw {@link IOException}. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T value) throws IOException;
    }

    /** Replaces {@code target} atomically with {@code bytes}. */
    public static void write(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /**
     * Replaces {@code target} atomically with what {@code writer} writes to the stream it is
     * given (buffered; the writer need not close it, and closing it is harmless).
     *
     * @throws BackpropException when the file cannot be written, or the writer throws an
     *     {@link IOException}; the target is then unchanged. Unchecked exceptions from the
     *     writer pass through unchanged, also leaving the target as it was.
     */
    public static void write(Path target, IOConsumer<OutputStream> writer) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null) throw new BackpropException(target + ": cannot write a file at the root of the file system");
        if (Files.isDirectory(absolute)) throw new BackpropException(target + ": is a directory; expected a file name");
        Path temp = null;
        boolean moved = false;
        try {
            Files.createDirectories(dir);
            temp = createTemp(dir, absolute.getFileName().toString());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
                writer.accept(new FilterOutputStream(buffered) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush(); // the channel stays open until it is forced
                    }
                });
                buffered.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            forceDirectory(dir);
        } catch (IOException e) {
            throw new BackpropException(target + ": cannot write: " + reason(e), e);
        } finally {
            if (!moved && temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: the original error matters more
                }
            }
        }
    }

    /**
     * A short, human-readable reason for an I/O failure, without exception class names:
     * "no such file or directory: /a/b", "permission denied: /a", "/a is a file, not a directory".
     */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException n) return "no such file or directory: " + n.getFile();
        if (e instanceof java.nio.file.AccessDeniedException n) return "permission denied: " + n.getFile();
        if (e instanceof FileAlreadyExistsException n) return n.getFile() + " exists and is not a directory";
        if (e instanceof java.nio.file.NotDirectoryException n) return n.getFile() + " is not a directory";
        if (e instanceof java.nio.file.FileSystemException f) {
            String why = f.getReason() != null ? f.getReason() : "failed";
            return f.getFile() == null ? why : f.getFile() + ": " + why;
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "input/output error" : m;
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        long pid = ProcessHandle.current().pid();
        while (true) {
            Path temp = dir.resolve("." + name + "." + pid + "-" + COUNTER.incrementAndGet() + ".tmp");
            try {
                FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                // a leftover from a killed process with the same pid: try the next number
            }
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows and some file systems cannot open or sync a directory; the rename stands.
        }
    }
}
