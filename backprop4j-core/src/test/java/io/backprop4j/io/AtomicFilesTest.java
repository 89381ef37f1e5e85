package io.backprop4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
