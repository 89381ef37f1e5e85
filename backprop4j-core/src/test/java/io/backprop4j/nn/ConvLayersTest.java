package io.backprop4j.nn;

import static io.backprop4j.testing.Fixtures.assertClose;
import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.loss.Losses;
import io.backprop4j.optim.Adam;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/** The convolutional layers: construction, printing, PyTorch's initialisation, shapes, bad input, and BatchNorm2d against PyTorch. */
class ConvLayersTest {

    @Test
    void printsLikeTheBrief() {
        var rng = new SplittableRandom(1);
        assertEquals("Conv2d(in=1, out=16, kernel=3, stride=1, padding=1)", new Conv2d(1, 16, 3, 1, 1, rng).toString());
        assertEquals("Conv2d(in=4, out=6, kernel=[3, 5], stride=[2, 1], padding=[0, 2], dilation=2, groups=2, bias=false)",
                Conv2d.builder(4, 6, 3, 5).stride(2, 1).padding(0, 2).dilation(2).groups(2).bias(false).build(rng).toString());
        assertEquals("Conv1d(in=2, out=3, kernel=5, stride=1, padding=2)", new Conv1d(2, 3, 5, 1, 2, rng).toString());
        assertEquals("MaxPool2d(kernel=2, stride=2, padding=0)", new MaxPool2d(2).toString());
        assertEquals("AvgPool2d(kernel=3, stride=2, padding=1)", new AvgPool2d(3, 2, 1).toString());
        assertEquals("AvgPool2d(kernel=2, stride=2, padding=0, count_include_pad=false)",
                new AvgPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, false, false, 0).toString());
        assertEquals("AdaptiveAvgPool2d(output=1)", new AdaptiveAvgPool2d(1).toString());
        assertEquals("Flatten()", new Flatten().toString());
        assertEquals("Dropout2d(p=0.25)", new Dropout2d(0.25, rng).toString());
        assertEquals("BatchNorm2d(8, eps=1.0E-5, momentum=0.1)", new BatchNorm2d(8).toString());
    }

    /** PyTorch's default (kaiming_uniform, a = √5): weights and bias from U(±1/√fan_in), fan_in = in/groups·kH·kW. */
    @Test
    void initialisationFollowsPyTorch() {
        var conv = Conv2d.builder(6, 8, 3, 2).groups(2).build(new SplittableRandom(3));
        assertArrayEquals(new int[] {8, 3, 3, 2}, conv.weight().shape());
        double bound = 1 / Math.sqrt(3 * 3 * 2);
        for (Tensor t : List.of(conv.weight(), conv.bias())) {
            double max = 0, sum = 0;
            for (int i = 0; i < t.numel(); i++) {
                double v = t.getFlat(i);
                assertTrue(Math.abs(v) <= bound, v + " outside ±" + bound);
                max = Math.max(max, Math.abs(v));
                sum += v;
            }
            assertTrue(max > 0.8 * bound, "the draws should fill the range: max " + max);
            assertTrue(Math.abs(sum / t.numel()) < 0.3 * bound, "mean " + sum / t.numel());
        }
        // Same seed, same layer; the weights before the bias, as declared.
        var a = new Conv2d(2, 3, 3, new SplittableRandom(9));
        var b = new Conv2d(2, 3, 3, new SplittableRandom(9));
        assertArrayEquals(a.weight().toDoubleArray(), b.weight().toDoubleArray());
        assertEquals(List.of("weight", "bias"), List.copyOf(a.namedParameters().keySet()));
        var c1 = new Conv1d(4, 2, 3, new SplittableRandom(2));
        for (int i = 0; i < c1.weight().numel(); i++) assertTrue(Math.abs(c1.weight().getFlat(i)) <= 1 / Math.sqrt(12));
    }

    @Test
    void shapesThroughAConvNet() {
        var rng = new SplittableRandom(4);
        var conv = new Conv2d(1, 16, 3, 1, 1, rng);
        var pool = new MaxPool2d(2);
        var net = new Sequential(conv, new ReLU(), pool, new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(32 * 7 * 7, 10, rng));
        Tensor y = net.forward(Tensor.rand(rng, DType.FLOAT32, 3, 1, 28, 28));
        assertArrayEquals(new int[] {3, 10}, y.shape());
        assertArrayEquals(new int[] {3, 16, 28, 28}, conv.outputShape(3, 1, 28, 28));
        assertArrayEquals(new int[] {3, 16, 14, 14}, pool.outputShape(3, 16, 28, 28));
        assertArrayEquals(new int[] {16, 4, 4}, new MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true)
                .outputShape(16, 7, 7));
        assertArrayEquals(new int[] {2, 4, 1, 1}, new AdaptiveAvgPool2d(1).outputShape(2, 4, 9, 5));
        assertArrayEquals(new int[] {3, 1568}, new Flatten().outputShape(3, 32, 7, 7));
        assertArrayEquals(new int[] {3, 32, 49}, new Flatten(2, 3).outputShape(3, 32, 7, 7));
        assertArrayEquals(new int[] {2, 3, 4}, new Conv1d(2, 3, 3, 2, 1, rng).outputShape(2, 2, 7));
        // One image without the batch dim, as PyTorch accepts.
        assertArrayEquals(new int[] {16, 28, 28}, conv.forward(Tensor.rand(rng, DType.FLOAT32, 1, 28, 28)).shape());
        // Sequential names the parameters by position.
        assertTrue(net.namedParameters().containsKey("3.weight"));
        assertEquals(6, net.parameters().size());
    }

    /** An empty batch gives an empty output and zero weight gradients (not the scratch buffer's leftovers). */
    @Test
    void anEmptyBatch() {
        var rng = new SplittableRandom(8);
        var conv = new Conv2d(2, 3, 3, 1, 1, rng);
        conv.forward(Tensor.rand(rng, DType.FLOAT32, 4, 2, 6, 6)).sum().backward();   // leaves partial sums in the scratch arrays
        conv.zeroGrad();
        Tensor y = conv.forward(Tensor.zeros(DType.FLOAT32, 0, 2, 6, 6));
        assertArrayEquals(new int[] {0, 3, 6, 6}, y.shape());
        y.sum().backward();
        for (float v : conv.weight().grad().toFloatArray()) assertEquals(0f, v);
        for (float v : conv.bias().grad().toFloatArray()) assertEquals(0f, v);
    }

    @Test
    void conv1dIsConv2dOnARowOfPixels() {
        var rng = new SplittableRandom(5);
        var c1 = new Conv1d(4, 6, 3, 2, 1, 2, 2, true, DType.FLOAT64, rng);
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 3, 4, 9);
        Tensor expected = Functional.conv2d(x.unsqueeze(2), c1.weight().unsqueeze(2), c1.bias(), new int[] {1, 2}, new int[] {0, 1},
                new int[] {1, 2}, 2).squeeze(2);
        assertClose("conv1d", expected, c1.forward(x), 1e-14, 1e-14);
    }

    /** count_include_pad (PyTorch's default) divides a corner window by the full 3x3 = 9, without it by the 4 taps inside. */
    @Test
    void averagePoolingCountsThePaddingByDefault() {
        Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 4, 4);
        assertEquals(4.0 / 9, new AvgPool2d(3, 2, 1).forward(x).get(0, 0, 0, 0), 1e-15);
        assertEquals(1.0, new AvgPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, false, false, 0).forward(x).get(0, 0, 0, 0), 1e-15);
        assertEquals(2.0, new AvgPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, false, true, 2).forward(x).get(0, 0, 1, 1), 1e-15);
        assertEquals(1.0, new AdaptiveAvgPool2d(1).forward(x).item(), 1e-15);
    }

    /** Each message is one line naming the layer (as it prints) and both shapes. */
    @Test
    void badShapesNameTheLayerAndBothShapes() {
        var rng = new SplittableRandom(6);
        var conv = new Conv2d(3, 16, 3, 1, 1, rng);
        oneLine(() -> conv.forward(Tensor.zeros(7, 1, 28, 28)), "Conv2d(in=3, out=16, kernel=3, stride=1, padding=1)", "[7, 1, 28, 28]",
                "[16, 3, 3, 3]", "1 channels");
        oneLine(() -> new Conv2d(1, 4, 5, rng).forward(Tensor.zeros(1, 1, 3, 3)), "Conv2d(in=1, out=4, kernel=5", "[1, 1, 3, 3]",
                "smaller than the kernel", "3x3", "5x5");
        oneLine(() -> conv.forward(Tensor.zeros(3, 28, 28, 2, 1)), "Conv2d(", "[3, 28, 28, 2, 1]");
        oneLine(() -> new MaxPool2d(3).forward(Tensor.zeros(1, 1, 2, 2)), "MaxPool2d(kernel=3", "[1, 1, 2, 2]", "smaller than the window");
        oneLine(() -> new Linear(10, 2, rng).forward(new Flatten().forward(Tensor.zeros(2, 3, 2, 2))), "Linear(in=10", "[2, 12]");
        oneLine(() -> new Conv1d(2, 3, 3, rng).forward(Tensor.zeros(4, 5, 9)), "Conv1d(in=2", "[4, 5, 9]", "[3, 2, 3]");
        oneLine(() -> new BatchNorm2d(4).forward(Tensor.zeros(2, 3, 5, 5)), "BatchNorm2d(4", "[2, 3, 5, 5]");
        // The functional ops name the op and both shapes.
        oneLine(() -> Functional.conv2d(Tensor.zeros(2, 4, 5, 5), Tensor.zeros(6, 3, 3, 3), null), "conv2d", "[2, 4, 5, 5]", "[6, 3, 3, 3]");
        oneLine(() -> Functional.conv2d(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 3, 3), null), "conv2d", "[1, 1, 2, 2]", "[1, 1, 3, 3]",
                "larger than the padded input");
        oneLine(() -> Functional.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(3, 2, 3, 3), null, new int[] {1, 1}, new int[] {0, 0},
                new int[] {1, 1}, 2), "groups 2", "3 output channels");
        oneLine(() -> Functional.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(3, 2, 3, 3), Tensor.zeros(4)), "bias [4]", "[3, 2, 3, 3]");
        oneLine(() -> Functional.maxPool2d(Tensor.zeros(1, 1, 5, 5), new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2},
                new int[] {1, 1}, false), "max_pool2d", "padding [2, 2]", "half the kernel");
        oneLine(() -> Functional.conv1d(Tensor.zeros(1, 2, 2), Tensor.zeros(1, 2, 3), null), "conv1d", "[1, 2, 2]", "[1, 2, 3]");
        assertThrows(BackpropException.class, () -> new Conv2d(1, 2, 3, rng).forward(Tensor.zeros(DType.FLOAT64, 1, 1, 5, 5)));
        assertThrows(ShapeException.class, () -> Conv2d.builder(3, 4, 3).groups(2).build(rng));
        assertThrows(BackpropException.class, () -> new Dropout2d(1.5, rng));
    }

    private static void oneLine(Executable call, String... parts) {
        BackpropException e = assertThrows(BackpropException.class, call);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String part : parts) assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }

    @Test
    void dropout2dDropsWholeChannels() {
        var drop = new Dropout2d(0.5, new SplittableRandom(11));
        Tensor x = Tensor.ones(DType.FLOAT32, 4, 8, 3, 3);
        Tensor y = drop.forward(x);
        int dropped = 0;
        for (int n = 0; n < 4; n++) {
            for (int c = 0; c < 8; c++) {
                double first = y.get(n, c, 0, 0);
                assertTrue(first == 0 || first == 2, "kept channels are scaled by 1/(1 - p): " + first);
                for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(first, y.get(n, c, i, j), 0, "a channel is kept or dropped whole");
                if (first == 0) dropped++;
            }
        }
        assertTrue(dropped > 4 && dropped < 28, "about half of 32 channels dropped: " + dropped);
        // Seeded: the same generator gives the same mask; evaluation mode is the identity.
        assertArrayEquals(y.toFloatArray(), new Dropout2d(0.5, new SplittableRandom(11)).forward(x).toFloatArray());
        try (var e = drop.evalScope()) {
            assertSame(x, drop.forward(x));
        }
        // The gradient flows through the same mask.
        Tensor xg = Tensor.ones(DType.FLOAT64, 2, 3, 2, 2).requiresGrad(true);
        Tensor out = new Dropout2d(0.5, new SplittableRandom(2)).forward(xg);
        out.sum().backward();
        assertArrayEquals(out.toDoubleArray(), xg.grad().toDoubleArray());
    }

    /** BatchNorm2d in training and evaluation mode against torch.nn.BatchNorm2d (layers.json, from tools/fixtures/make_layer_fixtures.py). */
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> batchNorm2dAgreesWithPyTorch() {
        List<Map<String, Object>> cases = Fixtures.cases("layers").stream().filter(c -> "batchnorm2d".equals(c.get("kind"))).toList();
        assertTrue(cases.size() >= 3);
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
            int features = ((Number) c.get("features")).intValue();
            var bn = new BatchNorm2d(features, ((Number) c.get("eps")).doubleValue(), ((Number) c.get("momentum")).doubleValue(), DType.FLOAT64);
            try (var g = NoGrad.enter()) {
                bn.weight().copy_(tensor(c.get("weight")));
                bn.bias().copy_(tensor(c.get("bias")));
            }
            bn.namedBuffers().get("running_mean").copy_(tensor(c.get("running_mean")));
            bn.namedBuffers().get("running_var").copy_(tensor(c.get("running_var")));
            int s = 0;
            for (Map<String, Object> step : (List<Map<String, Object>>) c.get("steps")) {
                String at = c.get("name") + " step " + s++ + ": ";
                Tensor x = tensor(step.get("x")).requiresGrad(true);
                bn.zeroGrad();
                Tensor y = bn.forward(x);
                assertClose(at + "y", tensor(step.get("y")), y, 1e-10, 1e-12);
                y.mul(tensor(step.get("grad_output"))).sum().backward();
                assertClose(at + "grad x", tensor(step.get("grad_x")), x.grad(), 1e-9, 1e-11);
                assertClose(at + "grad weight", tensor(step.get("grad_weight")), bn.weight().grad(), 1e-10, 1e-12);
                assertClose(at + "grad bias", tensor(step.get("grad_bias")), bn.bias().grad(), 1e-12, 1e-12);
                assertClose(at + "running mean", tensor(step.get("running_mean")), bn.runningMean(), 1e-12, 1e-14);
                assertClose(at + "running var", tensor(step.get("running_var")), bn.runningVar(), 1e-12, 1e-14);
            }
            try (var e = bn.evalScope(); var g = NoGrad.enter()) {
                assertClose(c.get("name") + " eval", tensor(c.get("y_eval")), bn.forward(tensor(c.get("x_eval"))), 1e-10, 1e-12);
            }
        }));
    }

    @Test
    void batchNorm2dInFloat32MatchesFloat64() {
        var rng = new SplittableRandom(13);
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 5, 3, 6, 7).mul(3).add(100);   // a large mean: no cancellation in float32
        var b64 = new BatchNorm2d(3, 1e-5, 0.1, DType.FLOAT64);
        var b32 = new BatchNorm2d(3);
        Tensor y64 = b64.forward(x), y32 = b32.forward(x.to(DType.FLOAT32));
        assertClose("float32 output", y64, y32.to(DType.FLOAT64), 1e-4, 1e-4);
        assertClose("float32 running var", b64.runningVar(), b32.runningVar().to(DType.FLOAT64), 1e-5, 1e-5);
        assertThrows(BackpropException.class, () -> new BatchNorm2d(3).forward(Tensor.zeros(1, 3, 1, 1)), "one value per channel");
    }

    /** The README's example: a small CNN learns to tell vertical from horizontal bars. */
    @Test
    void aSmallCnnLearns() {
        var rng = new java.util.SplittableRandom(42);
        var model = new Sequential(new Conv2d(1, 8, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(16 * 2 * 2, 2, rng));
        var adam = new Adam(model.parameters(), 1e-2);
        float[] pixels = new float[32 * 64];
        int[] labels = new int[32];
        for (int i = 0; i < 32; i++) {
            labels[i] = i % 2;
            int line = rng.nextInt(8);
            for (int j = 0; j < 8; j++) pixels[i * 64 + (labels[i] == 0 ? line * 8 + j : j * 8 + line)] = 1;
        }
        Tensor x = Tensor.of(pixels, 32, 1, 8, 8);
        double first = 0, last = 0;
        for (int step = 0; step < 40; step++) {
            adam.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(x), labels);
            loss.backward();
            adam.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < 0.1 * first, "loss " + first + " -> " + last);
        assertNotEquals(first, last);
    }
}
