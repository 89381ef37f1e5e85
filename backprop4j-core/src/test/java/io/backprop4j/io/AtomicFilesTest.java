package io.backprop4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.BackpropException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<Path> listing() throws IOException {
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    @Test
    void writesAndReplaces() throws Exception {
        Path f = dir.resolve("a.txt");
        AtomicFiles.write(f, "one".getBytes(StandardCharsets.UTF_8));
        assertEquals("one", Files.readString(f));
        AtomicFiles.write(f, out -> {
            out.write("two".getBytes(StandardCharsets.UTF_8));
            out.write('!');
            out.close(); // harmless
        });
        assertEquals("two!", Files.readString(f));
        assertEquals(List.of(f), listing());
    }

    @Test
    void createsParentDirectories() throws Exception {
        Path f = dir.resolve("x/y/z.bin");
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        AtomicFiles.write(f, big);
        assertArrayEquals(big, Files.readAllBytes(f));
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path f = dir.resolve("keep.txt");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
        BackpropException e = assertThrows(BackpropException.class, () -> AtomicFiles.write(f, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains("keep.txt") && e.getMessage().contains("disk full"), e.getMessage());
        IllegalStateException bug = new IllegalStateException("bug");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write(1);
            throw bug;
        })));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), listing());
    }

    @Test
    void aDirectoryInTheWayIsAnError() throws Exception {
        Path d = dir.resolve("taken");
        Files.createDirectory(d);
        Files.writeString(d.resolve("inside"), "x");
        assertThrows(BackpropException.class, () -> AtomicFiles.write(d, new byte[] {1}));
        assertEquals(List.of(d), listing());
    }

    static boolean run(String... command) {
        return io.backprop4j.testing.TestFiles.run(command);
    }

    // Issue 18, item 1: the rename went over whatever the target was.

    @Test
    void aFifoIsRefusedAndLeftAsItWas() throws Exception {
        Path fifo = dir.resolve("pipe");
        assumeTrue(run("mkfifo", fifo.toString()), "mkfifo is not available");
        BackpropException e = assertThrows(BackpropException.class, () -> AtomicFiles.write(fifo, new byte[] {1, 2}));
        assertTrue(e.getMessage().contains("pipe: is a FIFO (named pipe), not a regular file; refusing to replace it"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(FileKind.FIFO, FileKind.of(fifo));
        assertEquals(List.of(fifo), listing());
        assertThrows(BackpropException.class, () -> AtomicFiles.checkTarget(fifo));
    }

    @Test
    void aDeviceNodeIsRefusedAndLeftAsItWas() throws Exception {
        // A node like /dev/null's (char 1:3) in the test's own directory: needs root, as in the report. Never
        // test with the system's own /dev/null: a regression run as root would replace it.
        Path node = dir.resolve("full");
        assumeTrue(run("mknod", node.toString(), "c", "1", "3"), "mknod needs root");
        BackpropException e = assertThrows(BackpropException.class, () -> AtomicFiles.write(node, new byte[] {1}));
        assertTrue(e.getMessage().contains("is a character device, not a regular file"), e.getMessage());
        assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(node));
        assertEquals(List.of(node), listing());
    }

    @Test
    void aSymbolicLinkIsWrittenThroughToItsTarget() throws Exception {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path real = Files.writeString(elsewhere.resolve("real.txt"), "old");
        Path links = Files.createDirectory(dir.resolve("links"));
        Path link = Files.createSymbolicLink(links.resolve("link.txt"), Path.of("../elsewhere/real.txt"));
        Path chain = Files.createSymbolicLink(links.resolve("chain.txt"), Path.of("link.txt"));
        AtomicFiles.write(chain, "new".getBytes(StandardCharsets.UTF_8));
        assertTrue(Files.isSymbolicLink(link) && Files.isSymbolicLink(chain), "the links stay links");
        assertEquals("new", Files.readString(real));
        try (var in = Files.list(elsewhere)) {
            assertEquals(List.of(real), in.toList(), "no temporary file left in the target's directory");
        }
        try (var in = Files.list(links)) {
            assertEquals(2, in.count(), "nothing added beside the links");
        }
    }

    @Test
    void aBrokenLinkCreatesItsTarget() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("made.txt"));
        AtomicFiles.write(link, "x".getBytes(StandardCharsets.UTF_8));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("x", Files.readString(dir.resolve("made.txt")));
    }

    @Test
    void aLinkLoopIsRefused() throws Exception {
        Path a = dir.resolve("a");
        Files.createSymbolicLink(a, Path.of("b"));
        Files.createSymbolicLink(dir.resolve("b"), Path.of("a"));
        BackpropException e = assertThrows(BackpropException.class, () -> AtomicFiles.write(a, new byte[] {1}));
        assertTrue(e.getMessage().contains("symbolic link loop"), e.getMessage());
        assertEquals(FileKind.LINK_LOOP, FileKind.of(a));
        assertTrue(Files.isSymbolicLink(a) && Files.isSymbolicLink(dir.resolve("b")));
    }

    @Test
    void keepsThePermissionsOfTheReplacedFile() throws Exception {
        Path f = dir.resolve("private.txt");
        Files.writeString(f, "old");
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "no POSIX permissions");
        }
        AtomicFiles.write(f, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    // Issue 18, item 11: a kill during a write left a full-size temporary file that nothing removed.

    @Test
    void theNextWriteDeletesTemporaryFilesOfDeadWriters() throws Exception {
        Path f = dir.resolve("model.safetensors");
        long me = ProcessHandle.current().pid();
        String myStart = Long.toHexString(ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli());
        // A process that has ended: its id is free (or reused by another process with another start time).
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        Path deadNew = Files.write(dir.resolve(".model.safetensors." + dead + "-18c3a2b4f00-1.tmp"), new byte[4096]);
        Path deadOld = Files.write(dir.resolve(".model.safetensors." + dead + "-7.tmp"), new byte[4096]);
        Path reusedId = Files.write(dir.resolve(".model.safetensors." + me + "-1-3.tmp"), new byte[4096]);
        Path mine = Files.write(dir.resolve(".model.safetensors." + me + "-" + myStart + "-999999.tmp"), new byte[1]);
        Path otherTarget = Files.write(dir.resolve(".other.safetensors." + dead + "-1-1.tmp"), new byte[1]);
        Path notOurs = Files.write(dir.resolve(".model.safetensors.backup.tmp"), new byte[1]);
        AtomicFiles.write(f, new byte[] {42});
        assertFalse(Files.exists(deadNew), "a dead writer's file");
        assertFalse(Files.exists(deadOld), "a dead writer's file, older naming");
        assertFalse(Files.exists(reusedId), "an id now used by a process started at another time");
        assertTrue(Files.exists(mine), "a live writer's file is left alone");
        assertTrue(Files.exists(otherTarget), "another target's file is left alone");
        assertTrue(Files.exists(notOurs), "a name not of our making is left alone");
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(f));
    }

    @Test
    void aVeryLongNameStillGetsATemporaryFile() throws Exception {
        Path f = dir.resolve("n".repeat(250));
        AtomicFiles.write(f, new byte[] {7});
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(f));
        assertEquals(List.of(f), listing());
    }
}
