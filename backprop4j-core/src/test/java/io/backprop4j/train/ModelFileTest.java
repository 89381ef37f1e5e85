package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.data.Standardizer;
import io.backprop4j.internal.Json;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    static final String[] CLASSES = {"cat", "dog", "bird"};

    static ModelSpec spec(boolean batchNorm) {
        Standardizer s = new Standardizer(new float[] {1, 2, 3, 4}, new float[] {0.5f, 1, 2, 4});
        return new ModelSpec(4, new int[] {6, 5}, 3, "tanh", 0.1, batchNorm, Task.CLASSIFY, CLASSES,
                new String[] {"a", "b", "c", "d"}, s, "test");
    }

    static Tensor raw(int n) {
        return Tensor.uniform(new SplittableRandom(5), -3, 8, DType.FLOAT32, n, 4);
    }

    /** A model with non-trivial weights and batch-norm statistics. */
    static Sequential trainedModel(ModelSpec spec) {
        Sequential m = spec.build(new EpochRandom(11));
        var rng = new SplittableRandom(12);
        try (var g = io.backprop4j.tensor.NoGrad.enter()) {
            for (var t : ModelTensors.named(m).values()) {
                for (int i = 0; i < t.numel(); i++) t.setFlat(i, t.getFlat(i) + rng.nextGaussian() * 0.1 + 0.05);
            }
        }
        return m;
    }

    @Test
    void savedModelReloadsAndPredictsExactlyTheSame() {
        for (boolean bn : new boolean[] {false, true}) {
            ModelSpec spec = spec(bn);
            Sequential m = trainedModel(spec);
            ModelFile before = ModelFile.of(spec, m);
            Tensor x = raw(50);
            Tensor p0 = before.predictProbabilities(x);
            Path f = dir.resolve("m" + bn + ".safetensors");
            ModelFile.save(f, m, spec);
            ModelFile after = ModelFile.load(f);
            assertEquals(spec, after.spec());
            assertArrayEquals(spec.standardizer().mean(), after.spec().standardizer().mean());
            assertArrayEquals(spec.standardizer().std(), after.spec().standardizer().std());
            assertArrayEquals(p0.toFloatArray(), after.predictProbabilities(x).toFloatArray());
            assertArrayEquals(before.predictClasses(x), after.predictClasses(x));
            assertEquals("dog", after.className(1));
            assertTrue(m.isTraining(), "predicting leaves the model's mode alone");
        }
    }

    /** Reads the file as the safetensors specification says, without backprop4j's reader. */
    @Test
    void fileIsPlainSafetensorsReadableWithoutBackprop4j() throws Exception {
        ModelSpec spec = spec(true);
        Sequential m = trainedModel(spec);
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(f, m, spec);
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "header padded to 8 bytes");
        @SuppressWarnings("unchecked")
        Map<String, Object> header = (Map<String, Object>) Json.parse(new String(bytes, 8, (int) n, StandardCharsets.UTF_8), "header");
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) header.get("__metadata__");
        assertEquals("model", meta.get("backprop4j.kind"));
        assertTrue(((String) meta.get("backprop4j.model")).contains("\"hidden\":[6,5]"));
        var expected = ModelTensors.named(m);
        assertEquals(expected.keySet(), new java.util.LinkedHashSet<>(header.keySet().stream().filter(k -> !k.equals("__metadata__")).toList()));
        for (var e : expected.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) header.get(e.getKey());
            assertEquals("F32", entry.get("dtype"));
            List<?> shape = (List<?>) entry.get("shape");
            assertArrayEquals(e.getValue().shape(), shape.stream().mapToInt(o -> ((Long) o).intValue()).toArray());
            List<?> offsets = (List<?>) entry.get("data_offsets");
            int begin = (int) (long) (Long) offsets.get(0);
            int end = (int) (long) (Long) offsets.get(1);
            float[] values = new float[(end - begin) / 4];
            ByteBuffer.wrap(bytes, (int) (8 + n + begin), end - begin).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            assertArrayEquals(e.getValue().toFloatArray(), values, e.getKey());
        }
    }

    /**
     * PyTorch reads the weights, when /usr/bin/python3 has torch (CI installs python3-torch): the
     * file is parsed as the safetensors format specifies (Debian has no safetensors package) and
     * the tensors made by torch.frombuffer.
     */
    @Test
    void pytorchReadsTheWeights() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c",
                "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') else 1)").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 lacks torch");
        ModelSpec spec = spec(false);
        Sequential m = trainedModel(spec);
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(f, m, spec);
        String script = """
                import json, struct, sys, torch
                raw = open(sys.argv[1], 'rb').read()
                n = struct.unpack('<Q', raw[:8])[0]
                t = {}
                for name, v in json.loads(raw[8:8 + n]).items():
                    if name == '__metadata__':
                        continue
                    b, e = v['data_offsets']
                    dtype = {'F32': torch.float32, 'F64': torch.float64}[v['dtype']]
                    t[name] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=dtype).reshape(v['shape'])
                x = torch.tensor([[0.5, -1.0, 2.0, 0.25]])
                h = torch.tanh(x @ t['0.weight'] + t['0.bias'])
                h = torch.tanh(h @ t['3.weight'] + t['3.bias'])
                print(' '.join(repr(float(v)) for v in (h @ t['6.weight'] + t['6.bias'])[0]))
                """;
        Process p = new ProcessBuilder(python.toString(), "-c", script, f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        Tensor x = Tensor.of(new float[][] {{0.5f, -1.0f, 2.0f, 0.25f}});
        Tensor logits;
        try (var g = io.backprop4j.tensor.NoGrad.enter(); var mode = m.evalScope()) {
            logits = m.forward(x);
        }
        String[] parts = out.split(" ");
        for (int k = 0; k < 3; k++) assertEquals(logits.get(0, k), Double.parseDouble(parts[k]), 1e-5, out);
    }

    @Test
    void aCorruptOrAlteredFileIsRefused() throws Exception {
        ModelSpec spec = spec(false);
        Sequential m = trainedModel(spec);
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(f, m, spec);
        byte[] good = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();

        byte[] data = good.clone();
        data[data.length - 3] ^= 0x10; // a weight
        Files.write(f, data);
        FormatException e = assertThrows(FormatException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());

        byte[] meta = good.clone();
        String header = new String(good, 8, (int) n, StandardCharsets.UTF_8);
        int at = header.indexOf("\"hidden\\\":[6") + "\"hidden\\\":[".length();
        assertTrue(at > 20, header);
        meta[8 + at] = '7'; // the architecture: 6 -> 7 hidden units, still valid JSON
        Files.write(f, meta);
        e = assertThrows(FormatException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());

        Files.write(f, java.util.Arrays.copyOf(good, good.length - 100));
        assertThrows(FormatException.class, () -> ModelFile.load(f));

        BackpropException missing = assertThrows(BackpropException.class, () -> ModelFile.load(dir.resolve("nope.safetensors")));
        assertTrue(missing.getMessage().contains("no such"), missing.getMessage());
    }

    @Test
    void otherSafetensorsFilesAreRefusedWithAReason() {
        Path f = dir.resolve("plain.safetensors");
        io.backprop4j.io.Safetensors.write(f, Map.of("w", Tensor.zeros(2, 2)), Map.of());
        FormatException e = assertThrows(FormatException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("not a backprop4j model"), e.getMessage());
    }

    /** Issue 18, item 3: the tester's edits, which loaded before (exit 0). */
    @Test
    void deliberateEditsAreRefused() throws Exception {
        ModelSpec spec = spec(false);
        Sequential m = trainedModel(spec);
        byte[] good = ModelFile.toBytes(m, spec);
        String seal = io.backprop4j.io.Safetensors.fromBytes(good, "m").metadata().get(io.backprop4j.io.Safetensors.CHECKSUM_KEY);

        // 1. The seal removed, and every weight made NaN: before, the data check was skipped.
        byte[] nan = good.clone();
        int dataStart = 8 + (int) ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int i = dataStart; i + 4 <= nan.length; i += 4) ByteBuffer.wrap(nan, i, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        byte[] unsealed = io.backprop4j.testing.TestFiles.editHeader(nan, h -> h.replace("\"backprop4j.checksum\":\"" + seal + "\",", ""));
        FormatException e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(unsealed, "nan.safetensors"));
        assertTrue(e.getMessage().contains("not written by backprop4j, or altered"), e.getMessage());
        // ... and both of backprop4j's keys removed: a plain safetensors file, not a model.
        byte[] plain = io.backprop4j.testing.TestFiles.editHeader(unsealed, h -> h.replace("\"backprop4j.format\":\"2\",", ""));
        e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(plain, "nan.safetensors"));
        assertEquals("nan.safetensors: no seal (backprop4j.checksum): not written by backprop4j, or altered", e.getMessage());

        // 2. Two same-shape tensors' data_offsets swapped: the [4, 4] weights of the two hidden layers of a 4-4-4-3 net.
        ModelSpec square = new ModelSpec(4, new int[] {4, 4}, 3, "tanh", 0, false, Task.CLASSIFY, CLASSES,
                new String[] {"a", "b", "c", "d"}, null, "test");
        byte[] sq = ModelFile.toBytes(trainedModel(square), square);
        String header = new String(sq, 8, (int) ByteBuffer.wrap(sq, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(), StandardCharsets.UTF_8);
        var w0 = java.util.regex.Pattern.compile("\"0\\.weight\":\\{[^}]*\"data_offsets\":(\\[\\d+,\\d+\\])").matcher(header);
        var w1 = java.util.regex.Pattern.compile("\"2\\.weight\":\\{[^}]*\"data_offsets\":(\\[\\d+,\\d+\\])").matcher(header);
        assertTrue(w0.find() && w1.find(), header);
        String a = w0.group(1);
        String b = w1.group(1);
        byte[] swapped = io.backprop4j.testing.TestFiles.editHeader(sq, h -> h.replace(a, "@").replace(b, a).replace("@", b));
        assertEquals(sq.length, swapped.length);
        e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(swapped, "swapped.safetensors"));
        assertEquals("swapped.safetensors: checksum mismatch: the file is corrupt or was altered", e.getMessage());
    }

    @Test
    void aModelOfFormat1IsRefusedNamingTheVersion() throws Exception {
        byte[] v1;
        try (var in = ModelFileTest.class.getResourceAsStream("/io/backprop4j/io/SafetensorsFuzzTestInputs/read/model.safetensors")) {
            v1 = in.readAllBytes();
        }
        FormatException e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(v1, "old.safetensors"));
        assertTrue(e.getMessage().contains("earlier backprop4j (format 1"), e.getMessage());
    }

    @Test
    void aFifoOrDeviceIsNeverOpened() throws Exception {
        Path fifo = dir.resolve("model.safetensors");
        assumeTrue(io.backprop4j.testing.TestFiles.run("mkfifo", fifo.toString()), "no mkfifo");
        var result = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                ModelFile.load(fifo);
                return "loaded";
            } catch (BackpropException e) {
                return e.getMessage();
            }
        });
        assertEquals(fifo + ": is a FIFO (named pipe), not a regular file; expected a model file (as 'train --save' writes)",
                result.get(20, TimeUnit.SECONDS));
        BackpropException e = assertThrows(BackpropException.class, () -> ModelFile.load(Path.of("/dev/null")));
        assertTrue(e.getMessage().contains("is a character device"), e.getMessage());
    }

    @Test
    void anArchitectureLargerThanTheFileIsRefusedBeforeItIsBuilt() {
        // Behind a recomputed seal (anyone can compute a CRC): a billion hidden units would fill the heap first.
        ModelSpec spec = spec(false);
        byte[] good = ModelFile.toBytes(trainedModel(spec), spec);
        byte[] huge = io.backprop4j.testing.TestFiles.reseal(io.backprop4j.testing.TestFiles.editHeader(good,
                h -> h.replace("\\\"hidden\\\":[6,5]", "\\\"hidden\\\":[1000000000,5]")));
        FormatException e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(huge, "huge.safetensors"));
        assertTrue(e.getMessage().contains("needs more parameters than the file's"), e.getMessage());
    }
}
