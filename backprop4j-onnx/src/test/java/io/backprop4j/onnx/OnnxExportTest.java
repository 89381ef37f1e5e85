package io.backprop4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.AdaptiveAvgPool2d;
import io.backprop4j.nn.AvgPool2d;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Dropout;
import io.backprop4j.nn.Dropout2d;
import io.backprop4j.nn.RandomShift2d;
import io.backprop4j.nn.ELU;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.GELU;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.LogSoftmax;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Softplus;
import io.backprop4j.nn.Tanh;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backprop4j models saved as ONNX: ONNX Runtime gives the same outputs, ONNX's checker accepts the files, they load back. */
class OnnxExportTest {
    /** An MLP with batch norm and every activation that has an ONNX form. */
    static Sequential mlp(SplittableRandom rng) {
        return new Sequential(new Linear(10, 16, rng), new BatchNorm1d(16), new ReLU(), new Dropout(0.3, rng),
                new Linear(16, 12, rng), new Tanh(), new Linear(12, 12, rng), new GELU(), new Linear(12, 10, rng), new ELU(0.7),
                new Linear(10, 10, rng), new Softplus(), new Linear(10, 8, rng), new Sigmoid(), new Linear(8, 8, rng),
                new LeakyReLU(0.05), new Linear(8, 4, rng), new Softmax());
    }

    /** A CNN: convolutions with stride and padding, batch norm, max and average pooling, a nested Sequential. */
    static Sequential cnn(SplittableRandom rng) {
        return new Sequential(new Conv2d(1, 4, 3, 1, 1, rng), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Sequential(Conv2d.builder(4, 6, 3).stride(2).padding(1).build(rng), new Tanh(), new Dropout2d(0.2, rng)),
                new AvgPool2d(2, 1, 1), new Flatten(), new Linear(6 * 4 * 4, 5, rng), new LogSoftmax());
    }

    /** A few training steps, so that the batch-norm running statistics are not their initial values. */
    static void warmUp(Module model, Tensor x) {
        var sgd = new SGD(model.parameters(), 0.05);
        for (int i = 0; i < 3; i++) {
            model.zeroGrad();
            model.forward(x).square().mean().backward();
            sgd.step();
        }
    }

    static Tensor predict(Module model, Tensor x) {
        try (var e = model.evalScope(); var g = NoGrad.enter()) {
            return model.forward(x);
        }
    }

    private static void agreesWithOnnxRuntime(String name, Sequential model, int[] sample, Tensor x, Path dir) {
        warmUp(model, x);
        Path file = dir.resolve(name + ".onnx");
        Onnx.save(model, sample, file);
        byte[] bytes = assertDoesNotThrowRead(file);
        Tensor ours = predict(model, x);
        OnnxTesting.assertClose(name + " in ONNX Runtime", ours, OnnxTesting.runtime(bytes, x), 1e-5);
        // one sample at a time too: the batch size is not fixed in the file
        OnnxTesting.assertClose(name + ", batch 1", predict(model, x.narrow(0, 0, 1)), OnnxTesting.runtime(bytes, x.narrow(0, 0, 1)), 1e-5);
        // and back into backprop4j
        OnnxTesting.assertClose(name + " loaded back", ours, predict(Onnx.load(file), x), 1e-6);
    }

    @Test
    void onnxsCheckerAcceptsTheFiles(@TempDir Path dir) throws Exception {
        assumeTrue(!"absent".equals(OnnxTesting.check(dir.resolve("none.onnx"))), "python3-onnx is not installed (apt-get install python3-onnx)");
        var rng = new SplittableRandom(8);
        var models = java.util.Map.of("mlp", mlp(rng), "cnn", cnn(rng),
                "adaptive", new Sequential(new Conv2d(2, 3, 3, rng), new AdaptiveAvgPool2d(2), new Flatten(2, 3), new Flatten(), new Linear(12, 2, rng)),
                "same", new Sequential(new SamePadded(new Conv2d(1, 2, 4, 2, 0, rng), true),
                        new SamePadded(new io.backprop4j.nn.MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, false), false),
                        new Flatten()));
        var shapes = java.util.Map.of("mlp", new int[] {10}, "cnn", new int[] {1, 12, 12}, "adaptive", new int[] {2, 6, 6}, "same", new int[] {1, 9, 8});
        for (var e : models.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".onnx");
            Onnx.save(e.getValue(), shapes.get(e.getKey()), file);
            assertNull(OnnxTesting.check(file), e.getKey() + ": onnx.checker refused the file");
        }
        // the checker can refuse: the same MLP with a misspelt operator
        OnnxFile.Model m = OnnxFile.decode(Files.readAllBytes(dir.resolve("mlp.onnx")));
        var nodes = new java.util.ArrayList<>(m.graph().nodes());
        OnnxFile.Node first = nodes.get(0);
        nodes.set(0, new OnnxFile.Node(0, first.name(), "Gemmm", "", first.inputs(), first.outputs(), first.attrs()));
        var g = m.graph();
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, OnnxFile.encode(new OnnxFile.Model(m.irVersion(), m.opsets(), m.producer(),
                new OnnxFile.Graph(g.name(), nodes, g.initializers(), g.inputs(), g.outputs()))));
        String refusal = OnnxTesting.check(bad);
        assertTrue(refusal != null && refusal.contains("Gemmm"), "the checker passed a misspelt operator: " + refusal);
    }

    private static byte[] assertDoesNotThrowRead(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anMlpWithBatchNormRunsInOnnxRuntime(@TempDir Path dir) {
        var rng = new SplittableRandom(1);
        agreesWithOnnxRuntime("mlp", mlp(rng), new int[] {10}, Tensor.randn(rng, DType.FLOAT32, 7, 10), dir);
    }

    @Test
    void aCnnRunsInOnnxRuntime(@TempDir Path dir) {
        var rng = new SplittableRandom(2);
        agreesWithOnnxRuntime("cnn", cnn(rng), new int[] {1, 12, 12}, Tensor.randn(rng, DType.FLOAT32, 3, 1, 12, 12), dir);
    }

    @Test
    void adaptivePoolingAndOtherFlattensRunInOnnxRuntime(@TempDir Path dir) {
        var rng = new SplittableRandom(3);
        var global = new Sequential(new Conv2d(2, 3, 3, rng), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(3, 2, rng));
        agreesWithOnnxRuntime("global", global, new int[] {2, 7, 7}, Tensor.randn(rng, DType.FLOAT32, 2, 2, 7, 7), dir);
        var even = new Sequential(new Conv2d(2, 3, 3, rng), new AdaptiveAvgPool2d(2), new Flatten(2, 3), new Flatten(), new Linear(12, 2, rng));
        agreesWithOnnxRuntime("adaptive", even, new int[] {2, 6, 6}, Tensor.randn(rng, DType.FLOAT32, 2, 2, 6, 6), dir);
    }

    /** An imported Reshape goes back out as a Reshape node with its constant shape (a 0 and a -1 among them). */
    @Test
    void aReshapeIsExportedAsItCame(@TempDir Path dir) {
        var rng = new SplittableRandom(12);
        var model = new Sequential(new Conv2d(2, 3, 3, rng), new ReLU(), new Reshape(0, -1), new Linear(3 * 5 * 4, 4, rng));
        OnnxFile.Model m = OnnxFile.decode(Onnx.toBytes(model, new int[] {2, 7, 6}));
        assertEquals(java.util.List.of("Conv", "Relu", "Reshape", "Gemm"), m.graph().nodes().stream().map(OnnxFile.Node::opType).toList());
        agreesWithOnnxRuntime("reshape", model, new int[] {2, 7, 6}, Tensor.randn(rng, DType.FLOAT32, 3, 2, 7, 6), dir);
    }

    @Test
    void theStandardisationGoesInFrontAsNodes(@TempDir Path dir) {
        var rng = new SplittableRandom(10);
        var model = new Sequential(new Linear(3, 4, rng), new ReLU(), new Linear(4, 2, rng), new Softmax());
        double[] mean = {1, -2, 0.5}, std = {2, 0.25, 1};
        Tensor raw = Tensor.randn(rng, DType.FLOAT32, 5, 3).mul(3);
        Tensor standardized = raw.sub(Tensor.of(mean, 3).to(DType.FLOAT32)).div(Tensor.of(std, 3).to(DType.FLOAT32));
        byte[] bytes = Onnx.toBytes(model, new int[] {3}, mean, std);
        Tensor ours = predict(model, standardized);
        OnnxTesting.assertClose("raw features in ONNX Runtime", ours, OnnxTesting.runtime(bytes, raw), 1e-5);
        Sequential back = Onnx.fromBytes(bytes, "std.onnx", new SplittableRandom(0));
        assertEquals(java.util.List.of("Elementwise", "Elementwise", "Linear", "ReLU", "Linear", "Softmax"),
                back.layers().stream().map(m -> m.getClass().getSimpleName()).toList());
        assertEquals("Sub(x, constant [3])", back.layers().get(0).toString());
        OnnxTesting.assertClose("loaded back", ours, predict(back, raw), 1e-6);
        Path file = dir.resolve("std.onnx");
        Onnx.save(model, new int[] {3}, mean, std, file);
        String checker = OnnxTesting.check(file);
        if (!"absent".equals(checker)) assertNull(checker);
        var e = assertThrows(BackpropException.class, () -> Onnx.toBytes(model, new int[] {3}, new double[] {0, 0}, std));
        assertEquals("Onnx.save: the standardisation needs a mean and a std for each of the 3 input values, got 2 means and 3 stds", e.getMessage());
    }

    @Test
    void theFileSaysWhatItIs() {
        var rng = new SplittableRandom(4);
        OnnxFile.Model m = OnnxFile.decode(Onnx.toBytes(new Sequential(new Linear(3, 2, rng), new Dropout(0.5, rng), new ReLU()), new int[] {3}));
        assertEquals(Exporter.IR_VERSION, m.irVersion());
        assertEquals(java.util.Map.of("", 17L), m.opsets());
        assertEquals(java.util.List.of("Gemm", "Relu"), m.graph().nodes().stream().map(OnnxFile.Node::opType).toList());   // no dropout
        assertEquals(java.util.List.of("0.weight", "0.bias"), java.util.List.copyOf(m.graph().initializers().keySet()));
        assertEquals(java.util.List.of("batch", 3L), m.graph().inputs().get(0).dims());
        assertEquals(java.util.List.of("batch", 2L), m.graph().outputs().get(0).dims());
        assertEquals(Onnx.OUTPUT, m.graph().nodes().get(1).outputs().get(0));
    }

    /** An augmentation does nothing when predicting: the layer is left out, as dropout is. */
    @Test
    void aRandomShiftIsLeftOut(@TempDir Path dir) {
        var rng = new SplittableRandom(9);
        Sequential model = new Sequential(new RandomShift2d(1, true, 0, rng), new Conv2d(1, 2, 3, 1, 1, rng), new ReLU(), new Flatten(),
                new Linear(2 * 6 * 6, 3, rng));
        OnnxFile.Model m = OnnxFile.decode(Onnx.toBytes(model, new int[] {1, 6, 6}));
        assertEquals(java.util.List.of("Conv", "Relu", "Flatten", "Gemm"), m.graph().nodes().stream().map(OnnxFile.Node::opType).toList());
        agreesWithOnnxRuntime("shift", model, new int[] {1, 6, 6}, Tensor.randn(rng, DType.FLOAT32, 4, 1, 6, 6), dir);
    }

    /** A SAME-padded layer with dilations is refused in one line, as Onnx.load and ONNX Runtime refuse auto_pad with dilations. */
    @Test
    void aDilatedSamePaddedLayerIsRefused() {
        var pool = new MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {2, 2}, false);
        var model = new Sequential(new SamePadded(pool, false), new Flatten());
        var e = assertThrows(BackpropException.class, () -> Onnx.toBytes(model, new int[] {1, 9, 8}));
        assertTrue(e.getMessage().startsWith("Onnx.save: layer 0 (SamePadded(SAME_UPPER, "), e.getMessage());
        assertTrue(e.getMessage().endsWith("dilations [2, 2] with auto_pad are not supported (ONNX Runtime refuses them)"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aLayerWithoutAnOnnxFormIsNamed() {
        var rng = new SplittableRandom(5);
        Module own = new Module() {
            @Override
            public Tensor forward(Tensor x) { return x; }

            @Override
            public String toString() { return "Mine()"; }
        };
        var e = assertThrows(BackpropException.class, () -> Onnx.toBytes(new Sequential(new Linear(3, 2, rng), own), new int[] {3}));
        assertTrue(e.getMessage().startsWith("Onnx.save: layer 1 (Mine()) has no ONNX form here; supported: Linear,"), e.getMessage());
        var shape = assertThrows(BackpropException.class, () -> Onnx.toBytes(new Sequential(new Linear(3, 2, rng)), new int[] {4}));
        assertTrue(shape.getMessage().startsWith("Onnx.save: the model does not run on an input of shape [1, 4]: "), shape.getMessage());
    }

    @Test
    void aLoadedModelTrainsFurther(@TempDir Path dir) {
        var rng = new SplittableRandom(6);
        var model = new Sequential(new Linear(10, 16, rng), new BatchNorm1d(16), new ReLU(), new Dropout(0.1, rng), new Linear(16, 4, rng),
                new Softmax());
        Path file = dir.resolve("mlp.onnx");
        Onnx.save(model, new int[] {10}, file);
        Sequential loaded = Onnx.load(file, new SplittableRandom(7));
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 32, 10);
        Tensor y = Tensor.zeros(32, 4);
        for (int i = 0; i < 32; i++) y.setFlat(i * 4 + i % 4, 1);
        var sgd = new SGD(loaded.parameters(), 0.5);
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            loaded.zeroGrad();
            Tensor loss = Losses.mse(loaded.forward(x), y);
            loss.backward();
            sgd.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < first * 0.7, "the loss went from " + first + " to " + last);
        assertEquals(java.util.List.of("Linear", "BatchNorm1d", "ReLU", "Linear", "Softmax"),
                loaded.layers().stream().map(m -> m.getClass().getSimpleName()).toList());
    }
}
