package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.internal.kernel.VectorMath;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, gzipped or not.
 *
 * <h2>Format</h2>
 * <pre>
 * bytes 0-1    zero
 * byte  2      element type: 0x08 = unsigned byte (the only type read here)
 * byte  3      number of dimensions d (3 for images, 1 for labels)
 * bytes 4..    d sizes, unsigned 32-bit big-endian: [count, rows, cols] or [count]
 * then         the elements, row-major, one byte each
 * </pre>
 * So images start with the magic number {@code 0x00000803} and labels with {@code 0x00000801}.
 * A file starting with the bytes 1f 8b is gunzipped first.
 *
 * <h2>Errors</h2>
 * A {@link FormatException} naming the file and the byte offset (in the decompressed data):
 * a wrong magic number or element type, sizes whose product exceeds what a Java array holds
 * (2<sup>31</sup> - 9 elements) or what the file holds (checked before allocating: for a gzipped
 * file, memory grows only with the bytes actually read), a truncated file, bytes after the last
 * element, corrupt gzip data. For example {@code train-images-idx3-ubyte.gz: header claims
 * 2147483648 images of 28x28 but the file holds 47040000 bytes of pixels}.
 *
 * <pre>{@code
 * Idx.Images images = Idx.readImages(dir.resolve("train-images-idx3-ubyte.gz"));
 * int[] labels = Idx.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));
 * }</pre>
 */
public final class Idx {
    /** The magic number of an image file: unsigned bytes, 3 dimensions. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** The magic number of a label file: unsigned bytes, 1 dimension. */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Idx() {}

    /**
     * Images from an IDX file.
     *
     * @param count the number of images
     * @param rows the height of each image
     * @param cols the width of each image
     * @param pixels {@code count * rows * cols} unsigned bytes (read with {@code & 0xff}),
     *     image after image, each row-major
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        public Images {
            if ((long) count * rows * cols != pixels.length) {
                throw new BackpropException("Idx.Images: " + pixels.length + " pixels for " + count + " images of " + rows + "x" + cols);
            }
        }

        /** Pixel {@code (r, c)} of image {@code i}, 0 to 255. */
        public int pixel(int i, int r, int c) {
            return pixels[(i * rows + r) * cols + c] & 0xff;
        }
    }

    /**
     * {@code dst[dstOff + i] = (pixels[from + i] & 0xff) / 255f} for {@code count} pixels: 8-bit
     * pixels to float32 in [0, 1], exactly as PyTorch's {@code x / 255}; vectorised.
     */
    public static void scalePixels(byte[] pixels, int from, float[] dst, int dstOff, int count) {
        java.util.Objects.checkFromIndexSize(from, count, pixels.length);
        java.util.Objects.checkFromIndexSize(dstOff, count, dst.length);
        VectorMath.unsignedBytesOver(pixels, from, dst, dstOff, count, 255f);
    }

    /** Reads an image file (magic {@code 0x00000803}). */
    public static Images readImages(Path file) {
        return withFile(file, in -> readImages(in, file.toString()));
    }

    /** Reads a label file (magic {@code 0x00000801}); labels are 0 to 255. */
    public static int[] readLabels(Path file) {
        return withFile(file, in -> readLabels(in, file.toString()));
    }

    /** Reads image-file bytes (gzipped or not); {@code sourceName} names them in errors. */
    public static Images readImages(byte[] bytes, String sourceName) {
        return fromBytes(bytes, in -> readImages(in, sourceName));
    }

    /** Reads label-file bytes (gzipped or not); {@code sourceName} names them in errors. */
    public static int[] readLabels(byte[] bytes, String sourceName) {
        return fromBytes(bytes, in -> readLabels(in, sourceName));
    }

    /**
     * Reads images from a stream (gzipped or not) to its end; does not close it.
     *
     * @throws IOException when the stream fails for reasons other than its content
     */
    public static Images readImages(InputStream in, String sourceName) throws IOException {
        Raw raw = read(in, sourceName, IMAGES_MAGIC, "images");
        return new Images(raw.dims[0], raw.dims[1], raw.dims[2], raw.data);
    }

    /**
     * Reads labels from a stream (gzipped or not) to its end; does not close it.
     *
     * @throws IOException when the stream fails for reasons other than its content
     */
    public static int[] readLabels(InputStream in, String sourceName) throws IOException {
        Raw raw = read(in, sourceName, LABELS_MAGIC, "labels");
        int[] labels = new int[raw.data.length];
        for (int i = 0; i < labels.length; i++) labels[i] = raw.data[i] & 0xff;
        return labels;
    }

    // ------------------------------------------------------------------------------ internals

    private interface StreamReader<T> {
        T read(InputStream in) throws IOException;
    }

    private static <T> T withFile(Path file, StreamReader<T> reader) {
        if (file == null) throw new BackpropException("Idx: file is null");
        if (Files.isDirectory(file)) throw new BackpropException(file + ": is a directory; expected an IDX file");
        try (InputStream in = Files.newInputStream(file)) {
            return reader.read(in);
        } catch (NoSuchFileException e) {
            throw new BackpropException(file + ": no such file", e);
        } catch (IOException e) {
            throw new BackpropException(file + ": cannot read: " + io.backprop4j.io.AtomicFiles.reason(e), e);
        }
    }

    private static <T> T fromBytes(byte[] bytes, StreamReader<T> reader) {
        try {
            return reader.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
    }

    private record Raw(int[] dims, byte[] data) {}

    private static Raw read(InputStream raw, String source, int magic, String what) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        boolean gzipped = b0 == 0x1f && b1 == 0x8b;
        try {
            InputStream in = gzipped ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            return readIdx(in, source, magic, what);
        } catch (ZipException | EOFException e) {
            if (!gzipped) throw e;
            throw new FormatException(source, null, "corrupt or truncated gzip data: " + e.getMessage());
        }
    }

    private static Raw readIdx(InputStream in, String source, int magic, String what) throws IOException {
        byte[] head = new byte[4];
        int got = in.readNBytes(head, 0, 4);
        if (got < 4) {
            throw new FormatException(source, "byte " + got, "file of " + got + " bytes is too short for an IDX header");
        }
        int found = (head[0] & 0xff) << 24 | (head[1] & 0xff) << 16 | (head[2] & 0xff) << 8 | (head[3] & 0xff);
        if (found != magic) {
            String detail = (head[0] != 0 || head[1] != 0) ? "not an IDX file"
                    : head[2] != 0x08 ? "element type 0x" + String.format("%02x", head[2] & 0xff) + " is not supported (only 0x08, unsigned bytes)"
                    : "an IDX file of " + (head[3] & 0xff) + " dimensions, " + what + " have " + (magic & 0xff);
            throw new FormatException(source, "byte 0", String.format("expected the magic number 0x%08x of IDX %s, found 0x%08x: %s",
                    magic, what, found, detail));
        }
        int d = magic & 0xff;
        int[] dims = new int[d];
        long[] claimed = new long[d];
        long total = 1;
        boolean tooLarge = false;
        for (int i = 0; i < d; i++) {
            byte[] b = new byte[4];
            got = in.readNBytes(b, 0, 4);
            if (got < 4) {
                throw new FormatException(source, "byte " + (4 + 4 * i + got), "unexpected end of file in the IDX header");
            }
            claimed[i] = ((long) (b[0] & 0xff) << 24) | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
            if (claimed[i] > MAX_ELEMENTS) tooLarge = true;
            else dims[i] = (int) claimed[i];
            if (!tooLarge) total *= claimed[i];
            if (total > MAX_ELEMENTS) tooLarge = true;
        }
        int dataStart = 4 + 4 * d;
        String claim = d == 3
                ? claimed[0] + " images of " + claimed[1] + "x" + claimed[2]
                : claimed[0] + " labels";
        String unit = d == 3 ? "bytes of pixels" : "bytes of labels";

        if (tooLarge) {
            long held = countRemaining(in, MAX_ELEMENTS + 1);
            String holds = held > MAX_ELEMENTS ? "more than " + MAX_ELEMENTS + " " + unit : held + " " + unit;
            throw new FormatException(source, "byte 4", "header claims " + claim + " but the file holds " + holds
                    + (held > MAX_ELEMENTS ? ", more than a Java array holds" : ""));
        }
        // read what is there, growing the buffer only with what arrives, up to the claimed size
        byte[] data = new byte[(int) Math.min(total, 1 << 20)];
        int filled = 0;
        while (filled < total) {
            if (filled == data.length) data = Arrays.copyOf(data, (int) Math.min(total, data.length * 2L));
            int n = in.read(data, filled, data.length - filled);
            if (n < 0) {
                throw new FormatException(source, "byte " + (dataStart + filled), "header claims " + claim
                        + " but the file holds " + filled + " " + unit);
            }
            filled += n;
        }
        long extra = countRemaining(in, Long.MAX_VALUE);
        if (extra > 0) {
            throw new FormatException(source, "byte " + (dataStart + total), "header claims " + claim
                    + " but the file holds " + extra + " more bytes after them");
        }
        return new Raw(dims, data);
    }

    /** Counts the bytes left in the stream, stopping at {@code limit}. */
    private static long countRemaining(InputStream in, long limit) throws IOException {
        byte[] skip = new byte[8192];
        long count = 0;
        while (count < limit) {
            int n = in.read(skip, 0, (int) Math.min(skip.length, limit - count));
            if (n < 0) break;
            count += n;
        }
        return count;
    }
}
