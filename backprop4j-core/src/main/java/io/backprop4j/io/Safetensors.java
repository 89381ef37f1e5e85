package io.backprop4j.io;

import io.backprop4j.internal.Json;
import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads and writes tensors in Hugging Face's <a href="https://github.com/huggingface/safetensors">
 * safetensors</a> format, which PyTorch, NumPy, JAX and others read.
 *
 * <h2>Format</h2>
 * <pre>
 * bytes 0..7       N, the header length, unsigned 64-bit little-endian
 * bytes 8..8+N-1   the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes
 *                  {"__metadata__": {"key": "value", ...},
 *                   "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 * bytes 8+N..      the data buffer; each tensor little-endian and row-major at [begin, end)
 *                  counted from the start of the buffer
 * </pre>
 * Only the dtypes backprop4j has are read and written: {@code F32}, {@code F64}, {@code I64} and
 * {@code BOOL} (one byte, 0 or 1); an I64 value beyond ±2⁵³ is refused on reading (backprop4j's
 * int64 tensors hold integers that large exactly, see {@link DType#INT64}).
 *
 * <h2>What backprop4j adds: the seal</h2>
 * {@link #write} starts the header with two metadata entries, always in this order and spelt
 * exactly so:
 * <pre>
 * {"__metadata__":{"backprop4j.checksum":"crc32c:XXXXXXXX","backprop4j.format":"2",...
 * </pre>
 * where {@code XXXXXXXX} are the 8 hex digits of the CRC32C of every other byte of the file, in
 * order: the 8-byte header length, the header from the quote after the digits to its end (padding
 * included: the other metadata, every tensor's name, dtype, shape and data_offsets, as written),
 * and the data buffer. So any change to what defines the file's meaning (a metadata entry, a
 * tensor's name, shape or offsets, a byte of data) breaks the seal. Other tools ignore the two
 * entries. {@link Contents#sealed()} says whether a file carried a valid seal.
 *
 * <p>{@link #read} verifies the seal whenever the metadata holds either key, and refuses a file
 * that holds one without the other, holds them anywhere but at the start of the header, or
 * names a format version it does not know. Files from other tools (with neither key) are read as
 * they are, unsealed. Files of format 1 (an earlier backprop4j: a checksum of the data alone) are
 * read with that checksum checked, and are unsealed too.
 *
 * <h2>Validation</h2>
 * {@link #read} refuses, with a {@link FormatException} naming the file and the byte offset or
 * the tensor: a header length that is larger than the file or than {@link #MAX_HEADER_BYTES}
 * (checked before anything is allocated); a header that is not valid JSON or not of the shape
 * above; an unknown dtype (named); a shape whose element count times the dtype's size differs
 * from {@code end - begin}; offsets outside the buffer; tensors that overlap or leave gaps (the
 * tensors must tile the buffer exactly); a seal that does not match ({@code "x.safetensors:
 * checksum mismatch: the file is corrupt or was altered"}); a FIFO, device or anything else but
 * a regular file, before it is opened.
 *
 * <pre>{@code
 * var tensors = new LinkedHashMap<String, Tensor>();
 * tensors.put("fc1.weight", w);
 * Safetensors.write(Path.of("model.safetensors"), tensors, Map.of("epochs", "10"));
 * Safetensors.Contents back = Safetensors.read(Path.of("model.safetensors"));
 * back.tensors().get("fc1.weight");   // same shape, dtype and values as w
 * }</pre>
 * In PyTorch: {@code safetensors.torch.load_file("model.safetensors")}.
 */
public final class Safetensors {
    /** Metadata key holding backprop4j's version of this format. */
    public static final String FORMAT_KEY = "backprop4j.format";
    /** The format version this class writes (and reads, with the earlier version 1). */
    public static final String FORMAT_VERSION = "2";
    /** The format version of earlier backprop4j files, whose checksum covered the data alone. */
    static final String FORMAT_VERSION_1 = "1";
    /** Metadata key holding the seal: {@code "crc32c:"} and 8 hex digits (see the class comment). */
    public static final String CHECKSUM_KEY = "backprop4j.checksum";
    /** The largest header accepted: 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA = "__metadata__";
    private static final String CRC32C_PREFIX = "crc32c:";
    /** The header of a sealed file starts with these bytes, then the seal's 8 hex digits and a quote. */
    private static final byte[] SEAL_START = ("{\"" + "__metadata__" + "\":{\"" + "backprop4j.checksum" + "\":\"" + "crc32c:")
            .getBytes(StandardCharsets.US_ASCII);
    /** The 8 hex digits of the seal, at this offset in the header. */
    private static final int SEAL_DIGITS_AT = SEAL_START.length;
    private static final int SEAL_END = SEAL_DIGITS_AT + 8;
    private static final int CHUNK_BYTES = 1 << 20;

    private Safetensors() {}

    /**
     * What a safetensors file holds.
     *
     * @param tensors the tensors by name, in the header's order (the order they were written in)
     * @param metadata the header's {@code __metadata__}, including backprop4j's own keys when
     *     present; empty when the file has none
     * @param sealed whether the file carried backprop4j's seal over its header and data, and the
     *     seal matched (see the class comment); false for files from other tools and of format 1
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata, boolean sealed) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    // ------------------------------------------------------------------------------ writing

    /**
     * Writes tensors (in the map's iteration order) and metadata to {@code file} atomically (see
     * {@link AtomicFiles}). Non-contiguous tensors are written in row-major order.
     *
     * @param tensors names to tensors; a name may be any string but {@code "__metadata__"}
     * @param metadata string pairs stored in the header; {@value #FORMAT_KEY} and
     *     {@value #CHECKSUM_KEY} are set by this method (values given for them are dropped)
     * @throws BackpropException for an invalid name, or when the file cannot be written
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        AtomicFiles.write(file, out -> writeTo(out, header, tensors));
    }

    /** The bytes {@link #write} would write to a file. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out, header, tensors);
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
        return out.toByteArray();
    }

    /** The padded header, sealed: its first entries are the seal and the format version. */
    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(CHECKSUM_KEY, CRC32C_PREFIX + "00000000"); // the digits are filled in below
        meta.put(FORMAT_KEY, FORMAT_VERSION);
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new BackpropException("Safetensors.write: metadata keys and values must not be null");
                }
                if (!e.getKey().equals(CHECKSUM_KEY) && !e.getKey().equals(FORMAT_KEY)) meta.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.equals(METADATA)) {
                throw new BackpropException("Safetensors.write: invalid tensor name \"" + name + "\"");
            }
            if (t == null) throw new BackpropException("Safetensors.write: tensor \"" + name + "\" is null");
            long bytes = (long) t.numel() * t.dtype().bytes();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().safetensorsName());
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            entries.put(name, entry);
            offset += bytes;
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put(METADATA, meta);
        header.putAll(entries);
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        if (!hasSealPlace(out)) throw new AssertionError("the header does not start with the seal");

        CRC32C crc = new CRC32C();
        crc.update(lengthBytes(out.length));
        crc.update(out, SEAL_END, out.length - SEAL_END);
        long totalBytes = 0;
        for (Tensor t : tensors.values()) totalBytes += (long) t.numel() * t.dtype().bytes();
        ByteBuffer chunk = newChunk(totalBytes);
        for (Tensor t : tensors.values()) forEachChunk(t, chunk, crc::update);
        byte[] digits = HexFormat.of().toHexDigits((int) crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, out, SEAL_DIGITS_AT, 8);
        return out;
    }

    /** Whether a header starts with the seal's place: {"__metadata__":{"backprop4j.checksum":"crc32c:XXXXXXXX". */
    private static boolean hasSealPlace(byte[] header) {
        if (header.length < SEAL_END + 1) return false;
        for (int i = 0; i < SEAL_START.length; i++) if (header[i] != SEAL_START[i]) return false;
        for (int i = SEAL_DIGITS_AT; i < SEAL_END; i++) {
            int c = header[i];
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return header[SEAL_END] == '"';
    }

    private static byte[] lengthBytes(long headerLength) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLength).array();
    }

    private static void writeTo(OutputStream out, byte[] header, Map<String, Tensor> tensors) throws IOException {
        out.write(lengthBytes(header.length));
        out.write(header);
        WritableByteChannel channel = Channels.newChannel(out);
        long totalBytes = 0;
        for (Tensor t : tensors.values()) totalBytes += (long) t.numel() * t.dtype().bytes();
        ByteBuffer chunk = newChunk(totalBytes);
        IOException[] failure = new IOException[1];
        for (Tensor t : tensors.values()) {
            forEachChunk(t, chunk, b -> {
                try {
                    while (b.hasRemaining()) channel.write(b);
                } catch (IOException e) {
                    if (failure[0] == null) failure[0] = e;
                }
            });
            if (failure[0] != null) throw failure[0];
        }
        out.flush();
    }

    private interface ChunkSink {
        void accept(ByteBuffer chunk);
    }

    /** Feeds the tensor's elements, little-endian and row-major, to {@code sink} in chunks. */
    private static void forEachChunk(Tensor tensor, ByteBuffer chunk, ChunkSink sink) {
        Tensor t = tensor.contiguousData();
        int n = t.numel();
        int start = t.offset();
        if (t.dtype() == DType.FLOAT32) {
            float[] a = Storage.floats(t);
            int per = chunk.capacity() / 4;
            for (int i = 0; i < n; i += per) {
                int len = Math.min(per, n - i);
                chunk.clear();
                chunk.asFloatBuffer().put(a, start + i, len);
                chunk.limit(len * 4);
                sink.accept(chunk);
            }
        } else {
            double[] a = Storage.doubles(t);
            int width = t.dtype().bytes();
            int per = chunk.capacity() / width;
            for (int i = 0; i < n; i += per) {
                int len = Math.min(per, n - i);
                chunk.clear();
                switch (t.dtype()) {
                    case FLOAT64 -> chunk.asDoubleBuffer().put(a, start + i, len);
                    case INT64 -> {
                        var longs = chunk.asLongBuffer();
                        for (int j = 0; j < len; j++) longs.put((long) a[start + i + j]);
                    }
                    default -> {   // BOOL
                        for (int j = 0; j < len; j++) chunk.put(j, (byte) (a[start + i + j] != 0 ? 1 : 0));
                    }
                }
                chunk.limit(len * width);
                sink.accept(chunk);
            }
        }
    }

    /** A buffer for moving up to {@code totalBytes} in chunks: no larger than needed, at most 1 MiB. */
    private static ByteBuffer newChunk(long totalBytes) {
        int size = (int) Math.min(CHUNK_BYTES, Math.max(8, (totalBytes + 7) / 8 * 8));
        return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String checksumText(CRC32C crc) {
        return CRC32C_PREFIX + HexFormat.of().toHexDigits((int) crc.getValue());
    }

    // ------------------------------------------------------------------------------ reading

    /**
     * Reads a safetensors file, checking everything listed in the class comment.
     *
     * @throws FormatException when the file is not a valid safetensors file of F32/F64 tensors,
     *     or fails its checksum
     * @throws BackpropException when the file cannot be read
     */
    public static Contents read(Path file) {
        if (file == null) throw new BackpropException("Safetensors.read: file is null");
        String source = file.toString();
        // Never open a FIFO or a device: opening one may block, and reading one may never end.
        FileKind.requireRegular(file, "a safetensors file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel, channel.size(), source);
        } catch (NoSuchFileException e) {
            throw new BackpropException(source + ": no such file", e);
        } catch (IOException e) {
            throw new BackpropException(source + ": cannot read: " + io.backprop4j.io.AtomicFiles.reason(e), e);
        }
    }

    /** Reads safetensors bytes held in memory; {@code sourceName} names them in errors. */
    public static Contents fromBytes(byte[] bytes, String sourceName) {
        try {
            return read(Channels.newChannel(new ByteArrayInputStream(bytes)), bytes.length, sourceName);
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
    }

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {}

    /** Reads sequentially from {@code in}, which holds {@code size} bytes. */
    private static Contents read(ReadableByteChannel in, long size, String source) throws IOException {
        if (size < 8) {
            throw new FormatException(source, "byte 0",
                    "file of " + size + " bytes is too short for a safetensors file (8-byte header length first)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, lengthBytes, source, 0);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 0 || headerLength > size - 8) {
            throw new FormatException(source, "byte 0", "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the " + (size - 8) + " bytes that follow it: not a safetensors file, or truncated"
                    + kindOf(lengthBytes.array()));
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new FormatException(source, "byte 0", "header length " + headerLength
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength < 2) {
            throw new FormatException(source, "byte 0", "header length " + headerLength + " is too short for a JSON object");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(in, headerBytes, source, 8);
        String headerText = Json.decodeUtf8(headerBytes.array(), 0, (int) headerLength, source + " header");
        Object parsed = Json.parse(headerText, source + " header"); // errors say line and column in the header
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new FormatException(source, "byte 8", "header is not a JSON object");
        }

        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                readMetadata(e.getValue(), metadata, source);
            } else {
                entries.add(parseEntry(name, e.getValue(), dataSize, source));
            }
        }
        String version = checkVersion(metadata, headerBytes.array(), source);

        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin < expected) {
                throw new FormatException(source, "tensor \"" + e.name + "\"", "data_offsets [" + e.begin + ", "
                        + e.end + "] overlap another tensor's data (which ends at " + expected + ")");
            }
            if (e.begin > expected) {
                throw new FormatException(source, "tensor \"" + e.name + "\"", "data_offsets [" + e.begin + ", "
                        + e.end + "] leave a gap: bytes " + expected + " to " + e.begin + " of the data buffer belong to no tensor");
            }
            expected = e.end;
        }
        if (expected != dataSize) {
            throw new FormatException(source, "byte " + (dataStart + expected), "the tensors cover " + expected
                    + " bytes of the " + dataSize + "-byte data buffer; the rest belongs to no tensor");
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            int n = (int) ((e.end - e.begin) / e.dtype.bytes());
            tensors.put(e.name, Tensor.zeros(e.dtype, e.shape));
        }
        CRC32C crc = new CRC32C();
        boolean sealed = FORMAT_VERSION.equals(version);
        if (sealed) {
            crc.update(lengthBytes(headerLength));
            crc.update(headerBytes.array(), SEAL_END, (int) headerLength - SEAL_END);
        }
        ByteBuffer chunk = newChunk(dataSize);
        for (Entry e : byOffset) readTensor(in, tensors.get(e.name), e, chunk, crc, source, dataStart);

        String stored = metadata.get(CHECKSUM_KEY);
        if (sealed) {
            if (!stored.equals(checksumText(crc))) {
                throw new FormatException(source, null, "checksum mismatch: the file is corrupt or was altered");
            }
        } else if (stored != null) { // format 1: a checksum of the data alone
            if (!stored.startsWith(CRC32C_PREFIX)) {
                throw new FormatException(source, null, "unknown checksum kind in " + CHECKSUM_KEY + " = \""
                        + stored + "\" (this version knows \"" + CRC32C_PREFIX + "\")");
            }
            if (!stored.equalsIgnoreCase(checksumText(crc))) {
                throw new FormatException(source, null, "tensor data checksum mismatch: the file is corrupt or was altered");
            }
        }
        return new Contents(tensors, metadata, sealed);
    }

    private static void readMetadata(Object value, Map<String, String> metadata, String source) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new FormatException(source, "header", "__metadata__ must be a JSON object of strings");
        }
        for (Map.Entry<?, ?> m : map.entrySet()) {
            if (!(m.getValue() instanceof String s)) {
                throw new FormatException(source, "header", "__metadata__ value of \"" + m.getKey() + "\" is not a string");
            }
            metadata.put((String) m.getKey(), s);
        }
    }

    /**
     * The format version of a file, checked: null for a file from another tool (neither of
     * backprop4j's keys), "1" for an earlier backprop4j's, "2" for a file whose header starts with
     * the seal (checked against the data later).
     */
    private static String checkVersion(Map<String, String> metadata, byte[] header, String source) {
        String version = metadata.get(FORMAT_KEY);
        String seal = metadata.get(CHECKSUM_KEY);
        if (version == null) {
            if (seal != null) {
                throw new FormatException(source, null, "has " + CHECKSUM_KEY + " but no " + FORMAT_KEY
                        + ": not written by backprop4j, or altered");
            }
            return null;
        }
        if (version.equals(FORMAT_VERSION_1)) return version;
        if (!version.equals(FORMAT_VERSION)) {
            throw new FormatException(source, null, "unknown backprop4j format version \"" + abbreviate(version)
                    + "\" (this version of backprop4j reads versions 1 and " + FORMAT_VERSION + "); was it written by a newer backprop4j?");
        }
        // The seal's place is fixed, so that the digits can be left out of what they cover.
        if (seal == null || !hasSealPlace(header) || !seal.equals(new String(header, SEAL_START.length - CRC32C_PREFIX.length(),
                CRC32C_PREFIX.length() + 8, StandardCharsets.US_ASCII))) {
            throw new FormatException(source, null, "the seal (" + CHECKSUM_KEY + ") is missing or not at the start of the header:"
                    + " not written by backprop4j, or altered");
        }
        return version;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private static Entry parseEntry(String name, Object value, long dataSize, String source) {
        String where = "tensor \"" + name + "\"";
        if (!(value instanceof Map<?, ?> map)) {
            throw new FormatException(source, where, "header entry is not a JSON object");
        }
        if (!(map.get("dtype") instanceof String dtypeName)) {
            throw new FormatException(source, where, "\"dtype\" is missing or not a string");
        }
        DType dtype = switch (dtypeName) {
            case "F32" -> DType.FLOAT32;
            case "F64" -> DType.FLOAT64;
            case "I64" -> DType.INT64;
            case "BOOL" -> DType.BOOL;
            default -> throw new FormatException(source, where, "dtype \"" + dtypeName
                    + "\" is not supported (backprop4j reads F32, F64, I64 and BOOL)");
        };
        if (!(map.get("shape") instanceof List<?> shapeList)) {
            throw new FormatException(source, where, "\"shape\" is missing or not an array");
        }
        int[] shape = new int[shapeList.size()];
        long count = 1;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long dim) || dim < 0 || dim > Integer.MAX_VALUE) {
                throw new FormatException(source, where, "shape " + shapeList + ": dimension " + i
                        + " is not an integer from 0 to " + Integer.MAX_VALUE);
            }
            shape[i] = (int) (long) dim;
            empty |= dim == 0;
            count = count > Integer.MAX_VALUE ? count : count * dim; // saturates; checked below
        }
        if (empty) count = 0;
        if (count > Integer.MAX_VALUE - 8) {
            throw new FormatException(source, where, "shape " + shapeList + " has more elements than a Java array holds");
        }
        if (!(map.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new FormatException(source, where, "\"data_offsets\" is missing or not an array of two integers");
        }
        if (begin < 0 || end < begin || end > dataSize) {
            throw new FormatException(source, where, "data_offsets [" + begin + ", " + end
                    + "] lie outside the " + dataSize + "-byte data buffer");
        }
        long bytes = count * dtype.bytes();
        if (end - begin != bytes) {
            throw new FormatException(source, where, "shape " + shapeList + " of " + dtypeName + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void readTensor(ReadableByteChannel in, Tensor t, Entry e, ByteBuffer chunk, CRC32C crc,
                                   String source, long dataStart) throws IOException {
        int width = e.dtype.bytes();
        int per = chunk.capacity() / width;
        int n = t.numel();
        for (int i = 0; i < n; i += per) {
            int len = Math.min(per, n - i);
            chunk.clear().limit(len * width);
            readFully(in, chunk, source, dataStart + e.begin + (long) i * width);
            chunk.flip();
            crc.update(chunk.duplicate());
            switch (e.dtype) {
                case FLOAT32 -> chunk.asFloatBuffer().get(Storage.floats(t), i, len);
                case FLOAT64 -> chunk.asDoubleBuffer().get(Storage.doubles(t), i, len);
                case INT64 -> {
                    double[] a = Storage.doubles(t);
                    var longs = chunk.asLongBuffer();
                    for (int j = 0; j < len; j++) {
                        long v = longs.get(j);
                        if (Math.abs(v) > DType.MAX_EXACT_INTEGER) {
                            throw new FormatException(source, "tensor \"" + e.name + "\" element " + (i + j), "int64 value " + v
                                    + " is beyond the ±2^53 that backprop4j holds exactly");
                        }
                        a[i + j] = v;
                    }
                }
                case BOOL -> {
                    double[] a = Storage.doubles(t);
                    for (int j = 0; j < len; j++) {
                        byte b = chunk.get(j);
                        if (b != 0 && b != 1) {
                            throw new FormatException(source, "tensor \"" + e.name + "\" element " + (i + j), "bool byte " + b + " is neither 0 nor 1");
                        }
                        a[i + j] = b;
                    }
                }
            }
        }
    }

    /** A hint for a file that is plainly something else: text (a YAML or CSV file?) or gzip data. */
    private static String kindOf(byte[] first) {
        if (first.length >= 2 && (first[0] & 0xff) == 0x1f && (first[1] & 0xff) == 0x8b) {
            return " (it is gzip-compressed data; a safetensors file is not compressed)";
        }
        for (byte b : first) {
            int c = b & 0xff;
            if (!(c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t')) return "";
        }
        return " (it starts with text, such as a YAML or CSV file; expected a binary safetensors file, such as 'train --save' writes)";
    }

    private static void readFully(ReadableByteChannel in, ByteBuffer buffer, String source, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new FormatException(source, "byte " + (position + buffer.position()), "unexpected end of file");
            }
        }
    }
}
