package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
    /** An IDX file: magic, sizes, then the given bytes. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        return b.put(data).array();
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] pixels(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) p[i] = (byte) (i * 7);
        return p;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabels(boolean gzipped, @TempDir Path dir) throws Exception {
        byte[] images = idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 4}, pixels(24));
        byte[] labels = idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {9, 0, (byte) 255});
        Path imageFile = dir.resolve("images");
        Path labelFile = dir.resolve("labels");
        Files.write(imageFile, gzipped ? gzip(images) : images);
        Files.write(labelFile, gzipped ? gzip(labels) : labels);
        Idx.Images read = Idx.readImages(imageFile);
        assertEquals(3, read.count());
        assertEquals(2, read.rows());
        assertEquals(4, read.cols());
        assertArrayEquals(pixels(24), read.pixels());
        assertEquals((2 * 8 + 1 * 4 + 3) * 7 & 0xff, read.pixel(2, 1, 3));
        assertArrayEquals(new int[] {9, 0, 255}, Idx.readLabels(labelFile));
    }

    @Test
    void readsLargerImagesAcrossBufferBoundaries() {
        byte[] data = pixels(3000 * 28 * 28);
        Idx.Images read = Idx.readImages(gzip(idx(Idx.IMAGES_MAGIC, new int[] {3000, 28, 28}, data)), "big.gz");
        assertArrayEquals(data, read.pixels());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void refusesClaimsLargerThanTheFile(boolean gzipped) {
        byte[] file = idx(Idx.IMAGES_MAGIC, new int[] {0x80000000, 28, 28}, pixels(28 * 28 * 3));
        byte[] bytes = gzipped ? gzip(file) : file;
        FormatException e = assertThrows(FormatException.class, () -> Idx.readImages(bytes, "train-images-idx3-ubyte.gz"));
        assertEquals("train-images-idx3-ubyte.gz, byte 4: header claims 2147483648 images of 28x28 but the file holds "
                + "2352 bytes of pixels", e.getMessage());
        byte[] truncated = idx(Idx.IMAGES_MAGIC, new int[] {5, 28, 28}, pixels(100));
        e = assertThrows(FormatException.class, () -> Idx.readImages(gzipped ? gzip(truncated) : truncated, "x"));
        assertEquals("x, byte 116: header claims 5 images of 28x28 but the file holds 100 bytes of pixels", e.getMessage());
        byte[] labels = idx(Idx.LABELS_MAGIC, new int[] {-1}, new byte[0]);
        e = assertThrows(FormatException.class, () -> Idx.readLabels(gzipped ? gzip(labels) : labels, "l"));
        assertEquals("l, byte 4: header claims 4294967295 labels but the file holds 0 bytes of labels", e.getMessage());
    }

    @Test
    void refusesWrongMagicTypeAndTrailingBytes() {
        String m = assertThrows(FormatException.class,
                () -> Idx.readImages(idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[1]), "f")).getMessage();
        assertEquals("f, byte 0: expected the magic number 0x00000803 of IDX images, found 0x00000801: "
                + "an IDX file of 1 dimensions, images have 3", m);
        m = assertThrows(FormatException.class,
                () -> Idx.readLabels(idx(0x00000D01, new int[] {1}, new byte[4]), "f")).getMessage();
        assertTrue(m.contains("element type 0x0d is not supported (only 0x08, unsigned bytes)"), m);
        m = assertThrows(FormatException.class, () -> Idx.readLabels("hello, world".getBytes(), "f")).getMessage();
        assertTrue(m.contains("not an IDX file"), m);
        m = assertThrows(FormatException.class, () -> Idx.readLabels(new byte[] {0, 0, 8}, "f")).getMessage();
        assertEquals("f, byte 3: file of 3 bytes is too short for an IDX header", m);
        m = assertThrows(FormatException.class, () -> Idx.readImages(new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0}, "f")).getMessage();
        assertEquals("f, byte 9: unexpected end of file in the IDX header", m);
        m = assertThrows(FormatException.class,
                () -> Idx.readLabels(idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[5]), "f")).getMessage();
        assertEquals("f, byte 10: header claims 2 labels but the file holds 3 more bytes after them", m);
        byte[] gz = gzip(idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[2]));
        byte[] cut = Arrays.copyOf(gz, gz.length - 12);
        m = assertThrows(FormatException.class, () -> Idx.readLabels(cut, "f.gz")).getMessage();
        assertTrue(m.contains("f.gz: corrupt or truncated gzip data"), m);
    }

    @Test
    void zeroImagesAreFine() {
        Idx.Images none = Idx.readImages(idx(Idx.IMAGES_MAGIC, new int[] {0, 28, 28}, new byte[0]), "f");
        assertEquals(0, none.count());
        assertEquals(0, none.pixels().length);
    }

    @Test
    void missingFileIsABackpropException(@TempDir Path dir) {
        BackpropException e = assertThrows(BackpropException.class, () -> Idx.readLabels(dir.resolve("none.gz")));
        assertTrue(e.getMessage().contains("none.gz"), e.getMessage());
    }
}
