package io.backprop4j.io;

import io.backprop4j.internal.Json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> sample(RandomGenerator rng) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        float[] w = new float[12];
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
        w[0] = Float.MIN_VALUE;
        w[1] = -0.0f;
        w[2] = Float.MAX_VALUE;
        tensors.put("fc1.weight", Tensor.of(w, 3, 4));
        tensors.put("fc1.bias", Tensor.of(new float[] {1, 2, 3}, 3));
        double[] d = new double[6];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextDouble() * 1e-300;
        tensors.put("double", Tensor.of(d, 1, 2, 3));
        tensors.put("scalar", Tensor.of(new float[] {42.5f}));
        tensors.put("empty", Tensor.zeros(DType.FLOAT32, 0, 5));
        tensors.put("\u00e9t\u00e9 \"quoted\"", Tensor.of(new double[] {Math.PI}, 1));
        return tensors;
    }

    private static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()));
        for (String name : expected.keySet()) {
            Tensor e = expected.get(name);
            Tensor a = actual.get(name);
            assertEquals(e.dtype(), a.dtype(), name);
            assertArrayEquals(e.shape(), a.shape(), name);
            if (e.dtype() == DType.FLOAT32) assertArrayEquals(e.toFloatArray(), a.toFloatArray(), name);
            else assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), name);
        }
    }

    @Test
    void roundTripsTensorsAndMetadata() throws Exception {
        Map<String, Tensor> tensors = sample(new SplittableRandom(1));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epochs", "10");
        meta.put("note", "a \"b\"\n\u00e9");
        Path file = dir.resolve("sub/model.safetensors");
        Safetensors.write(file, tensors, meta);
        Safetensors.Contents back = Safetensors.read(file);
        assertSameTensors(tensors, back.tensors());
        assertEquals("10", back.metadata().get("epochs"));
        assertEquals("a \"b\"\n\u00e9", back.metadata().get("note"));
        assertEquals("2", back.metadata().get(Safetensors.FORMAT_KEY));
        assertTrue(back.metadata().get(Safetensors.CHECKSUM_KEY).matches("crc32c:[0-9a-f]{8}"));
        assertTrue(back.sealed());
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void largeTensorsCrossChunkBoundaries() {
        SplittableRandom rng = new SplittableRandom(2);
        float[] big = new float[700_001];
        for (int i = 0; i < big.length; i++) big[i] = (float) rng.nextGaussian();
        double[] bigD = new double[7 * 42_859];
        for (int i = 0; i < bigD.length; i++) bigD[i] = rng.nextGaussian();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.of(big, big.length));
        tensors.put("b", Tensor.of(bigD, 7, 42_859));
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, tensors, Map.of());
        assertSameTensors(tensors, Safetensors.read(file).tensors());
    }

    /** Parses our bytes by hand, as the format's specification says, without our reader. */
    @Test
    void bytesFollowTheSpecification() {
        Map<String, Tensor> tensors = sample(new SplittableRandom(3));
        byte[] bytes = Safetensors.toBytes(tensors, Map.of("k", "v"));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.matches("(?s)\\{\"__metadata__\":\\{\"backprop4j.checksum\":\"crc32c:[0-9a-f]{8}\",\"backprop4j.format\":\"2\",\"k\":\"v\"}.*"),
                header);
        // The seal: CRC32C of the length, the header after the 8 digits, and the data.
        int digitsAt = "{\"__metadata__\":{\"backprop4j.checksum\":\"crc32c:".length();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 8);
        crc.update(bytes, 8 + digitsAt + 8, bytes.length - (8 + digitsAt + 8));
        assertEquals(java.util.HexFormat.of().toHexDigits((int) crc.getValue()), header.substring(digitsAt, digitsAt + 8));
        assertEquals(header.stripTrailing().length() + header.length() - header.stripTrailing().length(), header.length());
        assertTrue(header.stripTrailing().endsWith("}"));
        int dataStart = 8 + (int) n;
        // fc1.weight: the first entry; F32 [3, 4] at [0, 48]
        assertTrue(header.contains("\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]}"), header);
        assertTrue(header.contains("\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[48,60]}"), header);
        assertTrue(header.contains("\"double\":{\"dtype\":\"F64\",\"shape\":[1,2,3],\"data_offsets\":[60,108]}"), header);
        assertTrue(header.contains("\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[108,112]}"), header);
        assertTrue(header.contains("\"empty\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[112,112]}"), header);
        float[] w = tensors.get("fc1.weight").toFloatArray();
        for (int i = 0; i < 12; i++) {
            int bits = (bytes[dataStart + 4 * i] & 0xff) | (bytes[dataStart + 4 * i + 1] & 0xff) << 8
                    | (bytes[dataStart + 4 * i + 2] & 0xff) << 16 | (bytes[dataStart + 4 * i + 3] & 0xff) << 24;
            assertEquals(Float.floatToRawIntBits(w[i]), bits, "element " + i);
        }
        double[] d = tensors.get("double").toDoubleArray();
        for (int i = 0; i < 6; i++) {
            long bits = 0;
            for (int k = 7; k >= 0; k--) bits = bits << 8 | (bytes[dataStart + 60 + 8 * i + k] & 0xff);
            assertEquals(Double.doubleToRawLongBits(d[i]), bits, "element " + i);
        }
        assertEquals(dataStart + 120, bytes.length);
    }

    @Test
    void readsFilesWithoutBackprop4jMetadata() {
        // as written by another tool: no metadata, header not padded, keys in any order
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"shape\":[1],\"dtype\":\"F32\",\"data_offsets\":[0,4]}}";
        byte[] file = file(header, new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40});
        Safetensors.Contents c = Safetensors.fromBytes(file, "other.safetensors");
        assertEquals(List.of("b", "a"), new ArrayList<>(c.tensors().keySet()));
        assertEquals(1f, c.tensors().get("a").toFloatArray()[0]);
        assertEquals(2f, c.tensors().get("b").toFloatArray()[0]);
        assertEquals(Map.of(), c.metadata());
    }

    @Test
    void int64AndBoolTensorsRoundTripAsSafetensorsLaysThemOut() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("labels", Tensor.of(new long[] {3, -1, (1L << 53)}, 3));
        tensors.put("mask", Tensor.of(new boolean[] {true, false, true, true}, 2, 2));
        byte[] bytes = Safetensors.toBytes(tensors, Map.of());
        Safetensors.Contents back = Safetensors.fromBytes(bytes, "t.safetensors");
        assertEquals(DType.INT64, back.tensors().get("labels").dtype());
        assertArrayEquals(new long[] {3, -1, 1L << 53}, back.tensors().get("labels").toLongArray());
        assertEquals("tensor([[ True, False],\n        [ True,  True]])", back.tensors().get("mask").toString());
        // As another tool writes them: little-endian int64, one byte per bool.
        String header = "{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[8,10]}}";
        byte[] data = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(-7).put((byte) 1).put((byte) 0).array();
        Safetensors.Contents other = Safetensors.fromBytes(file(header, data), "other.safetensors");
        assertArrayEquals(new long[] {-7}, other.tensors().get("i").toLongArray());
        assertArrayEquals(new boolean[] {true, false}, other.tensors().get("b").toBooleanArray());
        byte[] huge = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).put((byte) 1).put((byte) 2).array();
        var e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(file(header, huge), "other.safetensors"));
        assertTrue(e.getMessage().contains("int64 value 9223372036854775807 is beyond"), e.getMessage());
    }

    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static String refusal(String header, int dataBytes) {
        return assertThrows(FormatException.class,
                () -> Safetensors.fromBytes(file(header, new byte[dataBytes]), "m.safetensors")).getMessage();
    }

    @Test
    void refusesInvalidHeaders() {
        String ok = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Safetensors.fromBytes(file(ok, new byte[8]), "m.safetensors");
        assertEquals("m.safetensors, tensor \"t\": dtype \"BF16\" is not supported (backprop4j reads F32, F64, I64 and BOOL)",
                refusal(ok.replace("F32", "BF16"), 8));
        assertEquals("m.safetensors, tensor \"t\": shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8",
                refusal(ok.replace("[2]", "[3]"), 8));
        assertEquals("m.safetensors, tensor \"t\": data_offsets [0, 16] lie outside the 8-byte data buffer",
                refusal(ok.replace("[0,8]", "[0,16]").replace("[2]", "[4]"), 8));
        assertEquals("m.safetensors, byte 16: the tensors cover 8 bytes of the 12-byte data buffer; the rest belongs to no tensor",
                refusal(ok, 12).replace("byte " + (8 + ok.length() + 8), "byte 16"));
        assertTrue(refusal(ok.replace("\"shape\":[2]", "\"shape\":[-2]"), 8).contains("dimension 0 is not an integer"));
        assertTrue(refusal(ok.replace("\"shape\":[2]", "\"shape\":[2.0]"), 8).contains("dimension 0 is not an integer"));
        assertTrue(refusal(ok.replace("\"shape\":[2]", "\"shape\":[65536,65536,65536]"), 8).contains("more elements"));
        assertTrue(refusal(ok.replace("[0,8]", "[0]"), 8).contains("data_offsets"));
        assertTrue(refusal("[1]", 0).contains("header is not a JSON object"));
        assertTrue(refusal("{\"t\":5}", 0).contains("tensor \"t\": header entry is not a JSON object"));
        assertTrue(refusal("{\"__metadata__\":{\"a\":1}}", 0).contains("__metadata__ value of \"a\" is not a string"));
        assertEquals("m.safetensors header, line 1, column 21: expected a string key in an object, found the end of the text",
                refusal("{\"t\":{\"dtype\":\"F32\",", 0));
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(refusal(overlap, 8).contains("tensor \"b\": data_offsets [4, 8] overlap"), refusal(overlap, 8));
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(refusal(gap, 8).contains("tensor \"a\": data_offsets [4, 8] leave a gap"));
        String version = "{\"__metadata__\":{\"backprop4j.format\":\"7\"}}";
        assertTrue(refusal(version, 0).contains("unknown backprop4j format version \"7\""));
    }

    @Test
    void refusesHeaderLengthsBeforeAllocating() {
        byte[] huge = new byte[16];
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(huge, "m.safetensors"));
        assertEquals("m.safetensors, byte 0: header length 1099511627776 exceeds the 8 bytes that follow it: "
                + "not a safetensors file, or truncated", e.getMessage());
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(huge, "m.safetensors"));
        assertTrue(e.getMessage().contains("header length 18446744073709551615 exceeds"), e.getMessage());
        e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(new byte[5], "m.safetensors"));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }

    @Test
    void corruptingAnyDataByteIsDetected() throws Exception {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, sample(new SplittableRandom(4)), Map.of());
        byte[] good = Files.readAllBytes(file);
        int dataStart = 8 + (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (int i = dataStart; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(file, bad);
            FormatException e = assertThrows(FormatException.class, () -> Safetensors.read(file), "byte " + i);
            assertEquals(file + ": checksum mismatch: the file is corrupt or was altered", e.getMessage());
        }
    }

    @Test
    void corruptingAnyHeaderByteIsDetected() {
        // Issue 18, item 3: the seal covers the header too, so no flip passes (before, a flip in a
        // tensor name, a metadata value or an empty tensor's shape loaded).
        Map<String, Tensor> tensors = sample(new SplittableRandom(5));
        byte[] good = Safetensors.toBytes(tensors, Map.of("k", "v"));
        int dataStart = 8 + (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int tried = 0;
        for (int i = 0; i < dataStart; i++) {
            for (int flip : new int[] {0x01, 0x20, 0x80}) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) flip;
                tried++;
                int at = i;
                assertThrows(FormatException.class, () -> Safetensors.fromBytes(bad, "m.safetensors"), () -> "byte " + at);
            }
        }
        assertEquals(3 * dataStart, tried);
    }

    static byte[] editHeader(byte[] file, java.util.function.UnaryOperator<String> edit) {
        return io.backprop4j.testing.TestFiles.editHeader(file, edit);
    }

    @Test
    void swappingTwoTensorsOffsetsIsRefused() {
        // Issue 18, item 3: the tester swapped two same-shape tensors' data_offsets and the file loaded.
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.of(new float[] {1, 2}, 2));
        tensors.put("b", Tensor.of(new float[] {3, 4}, 2));
        byte[] good = Safetensors.toBytes(tensors, Map.of());
        byte[] swapped = editHeader(good, h -> h.replace("[0,8]", "[X]").replace("[8,16]", "[0,8]").replace("[X]", "[8,16]"));
        assertEquals(good.length, swapped.length);
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(swapped, "m.safetensors"));
        assertEquals("m.safetensors: checksum mismatch: the file is corrupt or was altered", e.getMessage());
        byte[] renamed = editHeader(good, h -> h.replace("\"b\":", "\"c\":"));
        assertThrows(FormatException.class, () -> Safetensors.fromBytes(renamed, "m.safetensors"));
        byte[] reshaped = editHeader(good, h -> h.replace("\"shape\":[2]", "\"shape\":[1,2]"));
        assertThrows(FormatException.class, () -> Safetensors.fromBytes(reshaped, "m.safetensors"));
    }

    @Test
    void removingOrMovingTheSealIsRefused() {
        byte[] good = Safetensors.toBytes(Map.of("a", Tensor.of(new float[] {1}, 1)), Map.of("k", "v"));
        String seal = Safetensors.fromBytes(good, "m").metadata().get(Safetensors.CHECKSUM_KEY);
        byte[] noSeal = editHeader(good, h -> h.replace("\"backprop4j.checksum\":\"" + seal + "\",", ""));
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(noSeal, "m.safetensors"));
        assertTrue(e.getMessage().contains("not written by backprop4j, or altered"), e.getMessage());
        byte[] moved = editHeader(good, h -> h.replace("\"backprop4j.checksum\":\"" + seal + "\",", "")
                .replace("\"k\":\"v\"", "\"k\":\"v\",\"backprop4j.checksum\":\"" + seal + "\""));
        e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(moved, "m.safetensors"));
        assertTrue(e.getMessage().contains("not at the start of the header"), e.getMessage());
        byte[] noVersion = editHeader(good, h -> h.replace(",\"backprop4j.format\":\"2\"", ""));
        e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(noVersion, "m.safetensors"));
        assertTrue(e.getMessage().contains("no backprop4j.format"), e.getMessage());
        // Both keys gone: a plain safetensors file, read as one, unsealed.
        byte[] plain = editHeader(noSeal, h -> h.replace("\"backprop4j.format\":\"2\",", ""));
        Safetensors.Contents c = Safetensors.fromBytes(plain, "m.safetensors");
        assertFalse(c.sealed());
        assertEquals(Map.of("k", "v"), c.metadata());
    }

    @Test
    void unknownChecksumKindIsRefused() {
        byte[] bytes = Safetensors.toBytes(Map.of("a", Tensor.of(new float[] {1}, 1)), Map.of());
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("crc32c:", "crc99c:");
        FormatException e = assertThrows(FormatException.class,
                () -> Safetensors.fromBytes(text.getBytes(StandardCharsets.ISO_8859_1), "m.safetensors"));
        assertTrue(e.getMessage().contains("not written by backprop4j, or altered"), e.getMessage());
    }

    @Test
    void filesOfFormat1AreReadUnsealed() throws Exception {
        // written by the previous version: {"__metadata__":{...,"backprop4j.format":"1","backprop4j.checksum":"crc32c:..."}
        byte[] v1;
        try (var in = SafetensorsTest.class.getResourceAsStream("SafetensorsFuzzTestInputs/read/model.safetensors")) {
            v1 = in.readAllBytes();
        }
        Safetensors.Contents c = Safetensors.fromBytes(v1, "old.safetensors");
        assertEquals("1", c.metadata().get(Safetensors.FORMAT_KEY));
        assertFalse(c.sealed());
        byte[] bad = v1.clone();
        bad[bad.length - 1] ^= 1;
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.fromBytes(bad, "old.safetensors"));
        assertTrue(e.getMessage().contains("tensor data checksum mismatch"), e.getMessage());
    }

    @Test
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
        // Issue 18, item 11: a FIFO at the checkpoint path hung --resume (open blocks until a writer comes).
        Path fifo = dir.resolve("pipe.safetensors");
        org.junit.jupiter.api.Assumptions.assumeTrue(io.backprop4j.testing.TestFiles.run("mkfifo", fifo.toString()), "no mkfifo");
        var result = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                Safetensors.read(fifo);
                return "read";
            } catch (BackpropException e) {
                return e.getMessage();
            }
        });
        String message = result.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(fifo + ": is a FIFO (named pipe), not a regular file; expected a safetensors file", message);
    }

    @Test
    void refusesBadNamesAndMissingFiles() {
        assertEquals(Set.of(""), Safetensors.fromBytes(
                Safetensors.toBytes(Map.of("", Tensor.of(new float[] {1}, 1)), Map.of()), "m").tensors().keySet());
        assertThrows(BackpropException.class,
                () -> Safetensors.toBytes(Map.of("__metadata__", Tensor.of(new float[] {1}, 1)), Map.of()));
        BackpropException e = assertThrows(BackpropException.class, () -> Safetensors.read(dir.resolve("none.safetensors")));
        assertTrue(e.getMessage().contains("none.safetensors"), e.getMessage());
    }

    /** PyTorch reads our file, parsing the header with its own JSON module and torch.frombuffer. */
    @Test
    void pytorchReadsOurFiles() throws Exception {
        Assumptions.assumeTrue(pythonWithTorch(), "python3 with torch is not installed");
        Map<String, Tensor> tensors = sample(new SplittableRandom(6));
        Path file = dir.resolve("for-torch.safetensors");
        Safetensors.write(file, tensors, Map.of("k", "v"));
        Path script = dir.resolve("read.py");
        Files.writeString(script, """
                import json, struct, sys, torch
                try:
                    from safetensors.torch import load_file
                except ImportError:
                    load_file = None
                path = sys.argv[1]
                if load_file is not None:
                    tensors = load_file(path)
                else:
                    raw = open(path, 'rb').read()
                    (n,) = struct.unpack('<Q', raw[:8])
                    header = json.loads(raw[8:8 + n].decode('utf-8'))
                    assert header['__metadata__']['k'] == 'v'
                    data = bytearray(raw[8 + n:])
                    tensors = {}
                    for name, e in header.items():
                        if name == '__metadata__':
                            continue
                        dtype = {'F32': torch.float32, 'F64': torch.float64}[e['dtype']]
                        b, en = e['data_offsets']
                        t = torch.frombuffer(data[b:en], dtype=dtype) if en > b else torch.zeros(0, dtype=dtype)
                        tensors[name] = t.reshape(e['shape'])
                out = {name: {'dtype': str(t.dtype), 'shape': list(t.shape),
                              'values': [float(x) for x in t.double().flatten().tolist()]}
                       for name, t in tensors.items()}
                print(json.dumps(out))
                """);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), file.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        Map<?, ?> seen = (Map<?, ?>) Json.parse(output, "python output");
        assertEquals(tensors.keySet(), seen.keySet());
        for (var e : tensors.entrySet()) {
            Map<?, ?> s = (Map<?, ?>) seen.get(e.getKey());
            assertEquals("torch." + e.getValue().dtype(), s.get("dtype"));
            assertEquals(Arrays.stream(e.getValue().shape()).mapToObj(i -> (long) i).toList(), s.get("shape"));
            double[] values = ((List<?>) s.get("values")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
            assertArrayEquals(e.getValue().toDoubleArray(), values, e.getKey());
        }
    }

    private static boolean pythonWithTorch() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
