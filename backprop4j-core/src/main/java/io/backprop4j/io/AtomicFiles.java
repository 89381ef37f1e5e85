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
 * {@code .NAME.PID-START-N.tmp}: the writing process's id, its start time in hex milliseconds
 * and a counter), which is flushed and forced to disk ({@link FileChannel#force}); it is then
 * renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE} (falling back to
 * {@link StandardCopyOption#REPLACE_EXISTING} where the file system cannot move atomically), and
 * finally the directory itself is forced so that the rename survives a crash (where the platform
 * allows opening a directory; elsewhere this step is skipped). On any failure the temporary file
 * is deleted and the target is left as it was. Missing parent directories are created.
 *
 * <h2>What the target may be</h2>
 * <ul>
 *   <li>a regular file, which is replaced (keeping its POSIX permissions), or nothing, which is
 *       created;</li>
 *   <li>a symbolic link (or a chain of them): the file it leads to is replaced, atomically in
 *       that file's directory, and the link stays a link;</li>
 *   <li>anything else is refused before a byte is written: a directory, a FIFO, a device
 *       ({@code /dev/null}, {@code /dev/stdout}), a socket, a symbolic link loop. A rename over
 *       a device node would replace the node itself with a regular file.</li>
 * </ul>
 *
 * <h2>Left-over temporary files</h2>
 * A process killed in the middle of a write leaves its temporary file behind. Every write first
 * deletes the temporary files of the same target whose writer is gone (no live process with
 * that id and start time), so at most the files of writers still running remain.
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
        Path absolute = resolveTarget(target);
        Path dir = absolute.getParent();
        Path temp = null;
        boolean moved = false;
        try {
            Files.createDirectories(dir);
            String name = absolute.getFileName().toString();
            deleteStaleTemporaries(dir, name);
            temp = createTemp(dir, name);
            copyPermissions(absolute, temp);
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
     * Refuses a target that {@link #write} would refuse (see the class comment), without writing
     * anything: for checking an output option before a long computation.
     *
     * @throws BackpropException naming the target and what it is
     */
    public static void checkTarget(Path target) {
        resolveTarget(target);
    }

    /** The most symbolic links followed from a target (Linux's own limit is 40). */
    private static final int MAX_LINKS = 40;

    /**
     * The absolute path of the file a write replaces: {@code target} with symbolic links at its
     * end followed; refuses what may not be replaced.
     */
    private static Path resolveTarget(Path target) {
        if (target == null) throw new BackpropException("AtomicFiles.write: the target is null");
        Path absolute = target.toAbsolutePath();
        // First what the system itself finds there, following every link (also the kernel's own,
        // such as /dev/stdout -> /proc/self/fd/1 -> a pipe, which cannot be followed by name).
        FileKind kind = FileKind.of(absolute);
        Path p = absolute;
        switch (kind) {
            case REGULAR -> {
                try {
                    p = absolute.toRealPath();
                } catch (IOException e) {
                    throw new BackpropException(target + ": cannot follow the symbolic link: " + reason(e), e);
                }
            }
            case MISSING -> p = absolute;
            case BROKEN_LINK -> p = lastLinkTarget(target, absolute); // the file the links lead to is created
            case DIRECTORY -> throw new BackpropException(target + ": is a directory; expected a file name");
            default -> throw refused(target, kind, "");
        }
        if (p.getParent() == null || p.getFileName() == null) {
            throw new BackpropException(target + ": cannot write a file at the root of the file system");
        }
        return p;
    }

    /** Where a chain of symbolic links ends (a path where nothing is yet). */
    private static Path lastLinkTarget(Path target, Path p) {
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) throw refused(target, FileKind.LINK_LOOP, "");
            try {
                p = p.resolveSibling(Files.readSymbolicLink(p)); // relative links count from the link's own directory
            } catch (IOException e) {
                throw new BackpropException(target + ": cannot follow the symbolic link: " + reason(e), e);
            }
        }
        FileKind kind = FileKind.of(p);
        if (kind != FileKind.MISSING) throw refused(target, kind, " (" + p + ")");
        return p;
    }

    private static BackpropException refused(Path target, FileKind kind, String resolved) {
        return new BackpropException(target + ": is " + kind.description() + resolved
                + ", not a regular file; refusing to replace it (give the name of a regular file or a new one)");
    }

    /** Keeps the permissions of the file being replaced (best effort: POSIX file systems only). */
    private static void copyPermissions(Path from, Path to) {
        try {
            if (Files.isRegularFile(from)) Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // the new file keeps the default permissions
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

    /** This process's id and start time, as they appear in its temporary file names: "1234-18c3a2b4f00". */
    private static final String OWNER = owner(ProcessHandle.current());

    private static String owner(ProcessHandle p) {
        long start = p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        return p.pid() + "-" + Long.toHexString(start);
    }

    /** The start of the names of {@code name}'s temporary files: ".NAME.". */
    private static String tempPrefix(String name) {
        // Leave room for the suffix within the usual 255-byte limit of a file name.
        int keep = name.length();
        while (name.substring(0, keep).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 200) keep--;
        if (keep > 0 && keep < name.length() && Character.isHighSurrogate(name.charAt(keep - 1))) keep--;
        return "." + name.substring(0, keep) + ".";
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        while (true) {
            Path temp = dir.resolve(tempPrefix(name) + OWNER + "-" + COUNTER.incrementAndGet() + ".tmp");
            try {
                FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                // a leftover of a killed process with the same id and start: try the next number
            }
        }
    }

    /** PID-START-N or (older versions) PID-N, between ".NAME." and ".tmp". */
    private static final java.util.regex.Pattern TEMP_OWNER =
            java.util.regex.Pattern.compile("([0-9]{1,19})(?:-([0-9a-f]{1,16}))?-[0-9]{1,19}");

    /**
     * Deletes the temporary files of {@code name} in {@code dir} whose writer has died: no live
     * process has the id in the name, or the one that has it started at another time (the id
     * was reused). Files of live writers, this process's included, are left alone.
     */
    static void deleteStaleTemporaries(Path dir, String name) {
        String prefix = tempPrefix(name);
        try (var entries = Files.newDirectoryStream(dir, f -> {
            String n = f.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".tmp") && n.length() > prefix.length() + 4;
        })) {
            for (Path f : entries) {
                String n = f.getFileName().toString();
                var m = TEMP_OWNER.matcher(n.substring(prefix.length(), n.length() - 4));
                if (!m.matches() || !Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                if (isAlive(Long.parseLong(m.group(1)), m.group(2))) continue;
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // not ours to delete after all (permissions): leave it
                }
            }
        } catch (IOException | NumberFormatException e) {
            // a directory that cannot be listed: nothing to clean up
        }
    }

    /** Whether the writer of a temporary file runs: process {@code pid}, started at {@code startHex} (null: unknown). */
    private static boolean isAlive(long pid, String startHex) {
        var process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) return false;
        var start = process.get().info().startInstant();
        if (startHex == null || start.isEmpty()) return true; // cannot tell a reused id: keep the file
        return Long.toHexString(start.get().toEpochMilli()).equals(startHex);
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows and some file systems cannot open or sync a directory; the rename stands.
        }
    }
}
