package io.backprop4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.FormatException;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.GELU;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models built and exported by PyTorch (tools/fixtures/make_onnx_fixtures.py, torch.onnx.export
 * at opsets 13 and 17) predict what PyTorch predicts; what backprop4j does not read is refused
 * in one line.
 */
class OnnxImportTest {
    private static Tensor predict(Module model, Tensor x) {
        try (var e = model.evalScope(); var g = NoGrad.enter()) {
            return model.forward(x);
        }
    }

    private static Sequential load(String name) {
        return Onnx.fromBytes(OnnxTesting.resource(name), name, new SplittableRandom(0));
    }

    @Test
    void pytorchsExportsPredictWhatPyTorchPredicts() {
        for (String name : List.of("mlp", "cnn", "gap", "gelu")) {
            Map<String, Tensor> io = OnnxTesting.tensors(name + ".io.safetensors");
            for (int opset : new int[] {13, 17}) {
                String file = name + ".opset" + opset + ".onnx";
                Sequential model = load(file);
                OnnxTesting.assertClose(file, io.get("output"), predict(model, io.get("input")), 1e-4);
            }
        }
    }

    /** {@link Onnx#read} gives the input's declared sizes after the batch axis, for callers that shape flat rows. */
    @Test
    void readGivesTheSampleShapeOfTheInput(@TempDir Path dir) throws Exception {
        Path cnn = Files.write(dir.resolve("cnn.onnx"), OnnxTesting.resource("cnn.opset13.onnx"));
        Onnx.Imported g = Onnx.read(cnn);
        assertArrayEquals(new int[] {2, 16, 16}, g.sampleShape());
        assertEquals(2 * 16 * 16, g.sampleSize());
        assertEquals(kinds(load("cnn.opset13.onnx")), kinds(g.model()));
        Path mlp = Files.write(dir.resolve("mlp.onnx"), OnnxTesting.resource("mlp.opset17.onnx"));
        assertArrayEquals(new int[] {10}, Onnx.read(mlp).sampleShape());
        // a named size is -1, and the sample size unknown
        assertEquals(-1, new Onnx.Imported(g.model(), new int[] {2, -1, 16}).sampleSize());
        assertEquals(-1, new Onnx.Imported(g.model(), null).sampleSize());
    }

    @Test
    void theLayersAreBackprop4jsOwn() {
        assertEquals(List.of("Linear", "BatchNorm1d", "ReLU", "Linear", "Tanh", "Linear", "Sigmoid", "Linear", "LeakyReLU",
                "Linear", "Softmax"), kinds(load("mlp.opset17.onnx")));
        // PyTorch's exporter leaves out dropout in evaluation mode, and the Pad it writes goes into the AvgPool2d
        assertEquals(List.of("Conv2d", "ReLU", "BatchNorm2d", "MaxPool2d", "Conv2d", "Tanh", "AvgPool2d", "Flatten", "Linear", "LeakyReLU",
                "Linear", "Softmax"), kinds(load("cnn.opset13.onnx")));
        assertEquals(List.of("Linear", "GELU", "Linear", "LogSoftmax"), kinds(load("gelu.opset13.onnx")));
        Sequential mlp = load("mlp.opset13.onnx");
        assertTrue(mlp.layers().get(1) instanceof BatchNorm1d bn && Math.abs(bn.momentum() - 0.1) < 1e-6 && bn.eps() > 0);
        assertTrue(load("cnn.opset17.onnx").layers().get(2) instanceof BatchNorm2d);
        assertTrue(load("gelu.opset17.onnx").layers().get(1) instanceof GELU);
    }

    private static List<String> kinds(Sequential s) {
        return s.layers().stream().map(m -> m.getClass().getSimpleName()).toList();
    }

    @Test
    void anUnsupportedOperatorIsNamedWithItsNode() {
        var e = assertThrows(FormatException.class, () -> load("hardswish.opset17.onnx"));
        assertEquals("hardswish.opset17.onnx, node 1 \"/1/HardSwish\" (HardSwish): operator HardSwish is not supported (backprop4j reads "
                + Importer.OPERATORS + ")", e.getMessage());
        var e13 = assertThrows(FormatException.class, () -> load("hardswish.opset13.onnx"));
        assertTrue(e13.getMessage().startsWith("hardswish.opset13.onnx, value \"/0/Gemm_output_0\": feeds 2 nodes (node 1 \"/1/HardSigmoid\" (HardSigmoid), node 2"), e13.getMessage());
        assertEquals(1, e13.getMessage().lines().count());
    }

    @Test
    void aTruncatedOrCorruptFileIsOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        byte[] good = OnnxTesting.resource("cnn.opset17.onnx");
        for (int cut : new int[] {0, 1, 7, good.length / 3, good.length / 2, good.length - 1}) {
            Path file = dir.resolve("cut" + cut + ".onnx");
            Files.write(file, Arrays.copyOf(good, cut));
            var e = assertThrows(FormatException.class, () -> Onnx.load(file));
            assertTrue(e.getMessage().startsWith(file + ", byte "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "layers: [linear, relu]\n");
        var e = assertThrows(FormatException.class, () -> Onnx.load(text));
        assertTrue(e.getMessage().startsWith(text + ", byte "), e.getMessage());
        var missing = assertThrows(io.backprop4j.BackpropException.class, () -> Onnx.load(dir.resolve("none.onnx")));
        assertTrue(missing.getMessage().contains("none.onnx"), missing.getMessage());
    }

    /** Opsets 20 and 21 (which torch 1.13 cannot write): the Gelu operator of opset 20, checked against ONNX Runtime. */
    @Test
    void theGeluOperatorOfOpsetsTwentyAndTwentyOne() {
        var rng = new SplittableRandom(9);
        OnnxFile.Model m = OnnxFile.decode(Onnx.toBytes(new Sequential(new io.backprop4j.nn.Linear(5, 4, rng), new io.backprop4j.nn.Tanh()),
                new int[] {5}));
        var nodes = new java.util.ArrayList<>(m.graph().nodes());
        OnnxFile.Node tanh = nodes.get(1);
        nodes.set(1, new OnnxFile.Node(1, "/1/Gelu", "Gelu", "", tanh.inputs(), tanh.outputs(), Map.of()));
        var g = m.graph();
        Tensor x = Tensor.randn(rng, io.backprop4j.tensor.DType.FLOAT32, 6, 5);
        for (long opset : new long[] {20, 21}) {
            byte[] bytes = OnnxFile.encode(new OnnxFile.Model(10, Map.of("", opset), "test",
                    new OnnxFile.Graph(g.name(), nodes, g.initializers(), g.inputs(), g.outputs())));
            Sequential model = Onnx.fromBytes(bytes, "gelu.opset" + opset + ".onnx", new SplittableRandom(0));
            assertTrue(model.layers().get(1) instanceof GELU);
            OnnxTesting.assertClose("Gelu at opset " + opset, OnnxTesting.runtime(bytes, x), predict(model, x), 1e-5);
        }
    }

    @Test
    void anOpsetOutsideThirteenToTwentyOneIsRefused() {
        var m = OnnxFile.decode(OnnxTesting.resource("gelu.opset17.onnx"));
        var old = new OnnxFile.Model(m.irVersion(), Map.of("", 11L), m.producer(), m.graph());
        var e = assertThrows(FormatException.class, () -> Onnx.fromBytes(OnnxFile.encode(old), "old.onnx", new SplittableRandom(0)));
        assertEquals("old.onnx: opset 11 is not supported (backprop4j reads opsets 13 to 21)", e.getMessage());
    }
}
