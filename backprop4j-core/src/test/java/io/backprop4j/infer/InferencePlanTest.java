package io.backprop4j.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.internal.kernel.Simd;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.Dropout;
import io.backprop4j.nn.Identity;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Tanh;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link InferencePlan#predict} gives the very floats of the model's own forward (NoGrad, eval mode), at any batch. */
class InferencePlanTest {
    private static Tensor forward(Module model, Tensor x) {
        try (var g = NoGrad.enter(); var e = model.evalScope()) {
            return model.forward(x);
        }
    }

    private static void assertSameFloats(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 0f, what);   // 0f: the same floats (NaN-safe)
    }

    /**
     * Widths that leave a narrower last panel and columns past the last whole vector (300 = 2 x 128 + 44 with
     * 16 lanes, 4 x 64 + 44 with 8, 9 x 32 + 12 with 4), with and without a ReLU after the Linear, a bias and none.
     */
    @Test
    void theSameFloatsAsTheModelsForwardAtEveryBatch() {
        var rng = new SplittableRandom(1);
        Sequential model = new Sequential(new Linear(37, 300, rng), new ReLU(), new Linear(300, 130, rng), new Tanh(),
                new Linear(Tensor.randn(rng, DType.FLOAT32, 130, 77), null), new ReLU(), new BatchNorm1d(77), new Dropout(0.3, rng),
                new Linear(77, 10, rng), new Softmax());
        InferencePlan plan = InferencePlan.of(model);
        int checked = 0;
        for (int batch : new int[] {1, 2, 3, 4, 5, 9}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 37);
            assertSameFloats("batch " + batch, forward(model, x), plan.predict(x));
            checked++;
        }
        assertEquals(6, checked);
        // the packed kernel where the model's own product takes the matrix-vector kernel, never past 4 rows
        assertEquals(Simd.AVAILABLE ? 4 : 0, plan.packedLayers(1));
        assertEquals(Simd.AVAILABLE ? 4 : 0, plan.packedLayers(4));
        assertEquals(0, plan.packedLayers(5));
    }

    /** A CNN: the ReLUs after the convolutions and the batch norm run in place on those layers' outputs; the input is left as it was. */
    @Test
    void aConvolutionalNetworkGivesTheSameFloats() {
        var rng = new SplittableRandom(5);
        Sequential model = new Sequential(new io.backprop4j.nn.Conv2d(2, 6, 3, 1, 1, rng), new ReLU(), new io.backprop4j.nn.MaxPool2d(2),
                new io.backprop4j.nn.Conv2d(6, 8, 3, 1, 0, rng), new io.backprop4j.nn.BatchNorm2d(8), new ReLU(), new io.backprop4j.nn.Flatten(),
                new ReLU(), new Linear(8 * 3 * 3, 20, rng), new ReLU(), new Linear(20, 4, rng));
        InferencePlan plan = InferencePlan.of(model);
        for (int batch : new int[] {1, 2, 5}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 2, 10, 10);
            float[] before = x.toFloatArray();
            assertSameFloats("batch " + batch, forward(model, x), plan.predict(x));
            assertArrayEquals(before, x.toFloatArray(), 0f, "the input");
        }
        // a ReLU right on the input is never done in place
        Sequential relu = new Sequential(new ReLU(), new Linear(6, 3, rng));
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 1, 6);
        float[] before = x.toFloatArray();
        assertSameFloats("a ReLU first", forward(relu, x), InferencePlan.of(relu).predict(x));
        assertArrayEquals(before, x.toFloatArray(), 0f);
    }

    @Test
    void aResultIsNotOverwrittenByTheNextCall() {
        var rng = new SplittableRandom(2);
        Sequential model = new Sequential(new Linear(20, 40, rng), new ReLU(), new Linear(40, 30, rng), new Identity());
        InferencePlan plan = InferencePlan.of(model);
        Tensor a = Tensor.randn(rng, DType.FLOAT32, 1, 20), b = Tensor.randn(rng, DType.FLOAT32, 1, 20);
        Tensor ya = plan.predict(a);
        float[] first = ya.toFloatArray();
        Tensor yb = plan.predict(b);
        assertNotSame(ya, yb);
        assertArrayEquals(first, ya.toFloatArray(), 0f);
        assertSameFloats("second call", forward(model, b), yb);
    }

    /** An optimiser step or a loaded state changes the weights: the plan packs them again. */
    @Test
    void changedWeightsArePackedAgain() {
        var rng = new SplittableRandom(3);
        Sequential model = new Sequential(new Linear(50, 200, rng), new ReLU(), new Linear(200, 6, rng));
        InferencePlan plan = InferencePlan.of(model);
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 1, 50);
        plan.predict(x);
        model.zeroGrad();
        model.forward(x).sum().backward();
        new SGD(model.parameters(), 0.5).step();
        assertSameFloats("after an SGD step", forward(model, x), plan.predict(x));
        var state = new java.util.LinkedHashMap<>(model.stateDict());
        state.put("0.weight", Tensor.randn(rng, DType.FLOAT32, 50, 200));
        model.loadStateDict(state);
        assertSameFloats("after loadStateDict", forward(model, x), plan.predict(x));
    }

    /** Float64 models, inputs of another rank, and errors: the layers' own forward, the same messages. */
    @Test
    void whatThePlanDoesNotPackRunsAsItIs() {
        var rng = new SplittableRandom(4);
        Sequential f64 = new Sequential(new Linear(8, 40, true, DType.FLOAT64, rng), new ReLU());
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 1, 8);
        assertArrayEquals(forward(f64, x).toDoubleArray(), InferencePlan.of(f64).predict(x).toDoubleArray(), 0);
        Sequential model = new Sequential(new Sequential(new Linear(8, 40, rng), new ReLU()), new Linear(40, 3, rng));
        InferencePlan plan = InferencePlan.of(model);
        Tensor v = Tensor.randn(rng, DType.FLOAT32, 8);
        assertSameFloats("a 1-D input", forward(model, v), plan.predict(v));
        var wrong = assertThrows(BackpropException.class, () -> plan.predict(Tensor.randn(rng, DType.FLOAT32, 1, 9)));
        var expected = assertThrows(BackpropException.class, () -> forward(model, Tensor.randn(rng, DType.FLOAT32, 1, 9)));
        assertEquals(expected.getMessage(), wrong.getMessage());
    }

    /**
     * Convolutions run image by image in the plan's buffers: odd sizes, stride, padding, dilation,
     * groups, no bias, a pool with padding and ceil mode, a convolution without a ReLU or a pool,
     * a NaN in the input, a chain that ends the model; every batch gives the forward's floats.
     */
    @Test
    void convolutionChainsGiveTheForwardsFloats() {
        var rng = new SplittableRandom(6);
        Sequential model = new Sequential(
                new io.backprop4j.nn.Conv2d(3, 10, 3, 1, 1, rng), new ReLU(), new io.backprop4j.nn.MaxPool2d(2),
                io.backprop4j.nn.Conv2d.builder(10, 12, 5).stride(2).padding(2).build(rng), new ReLU(),
                new io.backprop4j.nn.MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true),
                io.backprop4j.nn.Conv2d.builder(12, 18, 3).dilation(2).padding(2).groups(6).bias(false).build(rng),
                new io.backprop4j.nn.Conv2d(18, 7, 1, 1, 0, rng), new ReLU(),
                new io.backprop4j.nn.Flatten(), new Linear(7 * 4 * 3, 11, rng), new ReLU(), new Linear(11, 5, rng));
        InferencePlan plan = InferencePlan.of(model);
        assertEquals(4, plan.planConvolutions());
        int checked = 0;
        for (int batch : new int[] {1, 2, 7, 2, 11}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 3, 23, 21);
            if (batch == 7) {
                float[] v = x.toFloatArray();
                v[100] = Float.NaN;
                x = Tensor.of(v, x.shape());
            }
            float[] before = x.toFloatArray();
            assertSameFloats("batch " + batch, forward(model, x), plan.predict(x));
            assertArrayEquals(before, x.toFloatArray(), 0f, "the input");
            checked++;
        }
        assertEquals(5, checked);
        // products of more than 32 taps over groups of images: a 1x1 convolution of 40 channels last, a dilated one in the middle
        Sequential wide = new Sequential(new io.backprop4j.nn.Conv2d(3, 40, 3, 1, 1, rng), new ReLU(),
                io.backprop4j.nn.Conv2d.builder(40, 6, 3).dilation(2).stride(1, 2).padding(1, 3).build(rng),
                io.backprop4j.nn.Conv2d.builder(6, 40, 1).build(rng), io.backprop4j.nn.Conv2d.builder(40, 5, 1).bias(false).build(rng));
        InferencePlan widePlan = InferencePlan.of(wide);
        for (int batch : new int[] {1, 3, 20, 3}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 3, 9, 13);
            assertSameFloats("wide, batch " + batch, forward(wide, x), widePlan.predict(x));
        }
        // stride-1 convolutions of more than 32 taps without unfolding (DirectConv where the Vector API is): filters not a
        // multiple of 4, an even kernel, padding on one axis, a ReLU and a pool after them; and the fmnist CNN's shapes
        Sequential direct = new Sequential(new io.backprop4j.nn.Conv2d(3, 7, 3, 1, 1, rng),
                new io.backprop4j.nn.Conv2d(7, 13, 3, 1, 1, rng), new ReLU(), new io.backprop4j.nn.MaxPool2d(2),
                io.backprop4j.nn.Conv2d.builder(13, 6, 2).padding(0, 1).build(rng), new ReLU(), new io.backprop4j.nn.Flatten(),
                new Linear(6 * 4 * 9, 5, rng));
        Sequential fmnist = new Sequential(new io.backprop4j.nn.Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new io.backprop4j.nn.MaxPool2d(2),
                new io.backprop4j.nn.Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new io.backprop4j.nn.MaxPool2d(2),
                new io.backprop4j.nn.Flatten(), new Linear(32 * 7 * 7, 128, rng), new ReLU(), new Linear(128, 10, rng));
        InferencePlan directPlan = InferencePlan.of(direct), fmnistPlan = InferencePlan.of(fmnist);
        for (int batch : new int[] {1, 10, 2}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 3, 11, 17);
            assertSameFloats("direct, batch " + batch, forward(direct, x), directPlan.predict(x));
            Tensor image = Tensor.randn(rng, DType.FLOAT32, batch, 1, 28, 28);
            assertSameFloats("fmnist, batch " + batch, forward(fmnist, image), fmnistPlan.predict(image));
        }
        // a chain at the end of the model: its buffer is copied out, so the next call leaves the result alone
        Sequential convs = new Sequential(new io.backprop4j.nn.Conv2d(2, 5, 3, 1, 0, rng), new ReLU(), new io.backprop4j.nn.MaxPool2d(2));
        InferencePlan last = InferencePlan.of(convs);
        Tensor a = Tensor.randn(rng, DType.FLOAT32, 3, 2, 9, 11), b = Tensor.randn(rng, DType.FLOAT32, 3, 2, 9, 11);
        Tensor ya = last.predict(a);
        float[] first = ya.toFloatArray();
        assertSameFloats("second call", forward(convs, b), last.predict(b));
        assertArrayEquals(first, ya.toFloatArray(), 0f);
        assertSameFloats("first call", forward(convs, a), ya);
        // one image as [C, H, W], a float64 model and a wrong channel count: the layers' own forward and messages
        Tensor one = Tensor.randn(rng, DType.FLOAT32, 2, 9, 11);
        assertSameFloats("[C, H, W]", forward(convs, one), last.predict(one));
        var wrong = assertThrows(BackpropException.class, () -> last.predict(Tensor.randn(rng, DType.FLOAT32, 1, 3, 9, 11)));
        var expected = assertThrows(BackpropException.class, () -> forward(convs, Tensor.randn(rng, DType.FLOAT32, 1, 3, 9, 11)));
        assertEquals(expected.getMessage(), wrong.getMessage());
        Sequential f64 = new Sequential(io.backprop4j.nn.Conv2d.builder(2, 4, 3).dtype(DType.FLOAT64).build(rng), new ReLU());
        Tensor x64 = Tensor.randn(rng, DType.FLOAT64, 2, 2, 6, 6);
        assertArrayEquals(forward(f64, x64).toDoubleArray(), InferencePlan.of(f64).predict(x64).toDoubleArray(), 0);
    }

    /** Larger batches through the dense layers' buffers: the forward's floats, batch after batch of changing sizes. */
    @Test
    void largeBatchesGiveTheForwardsFloats() {
        var rng = new SplittableRandom(7);
        Sequential model = new Sequential(new Linear(45, 131, rng), new ReLU(), new Linear(131, 17, rng), new Linear(17, 9, rng));
        InferencePlan plan = InferencePlan.of(model);
        for (int batch : new int[] {5, 64, 64, 300, 7}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 45);
            Tensor y = plan.predict(x);
            assertSameFloats("batch " + batch, forward(model, x), y);
        }
    }

    /**
     * Batch 1 to 4 with the large layers' columns split between the caller and the helper thread
     * (300 x 301 and 301 x 257: halves of 160 and 141, 144 and 113, 136 and 121 columns with 16, 8
     * and 4 lanes, each past the last panel boundary), a small layer unsplit, with and without bias
     * and ReLU: the forward's floats, call after call; the same from two threads at once (one of
     * them without the helper).
     */
    @Test
    void splitColumnsGiveTheForwardsFloats() throws Exception {
        var rng = new SplittableRandom(8);
        Sequential model = new Sequential(new Linear(300, 301, rng), new ReLU(), new Linear(Tensor.randn(rng, DType.FLOAT32, 301, 257), null),
                new Linear(257, 5, rng), new ReLU());
        InferencePlan plan = InferencePlan.of(model), other = InferencePlan.of(model);
        for (int round = 0; round < 3; round++) {
            for (int batch = 1; batch <= 4; batch++) {
                Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 300);
                assertSameFloats("batch " + batch, forward(model, x), plan.predict(x));
            }
        }
        Tensor[] xs = new Tensor[40];
        Tensor[] expected = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Tensor.randn(rng, DType.FLOAT32, 1 + i % 4, 300);
            expected[i] = forward(model, xs[i]);
        }
        Tensor[] mine = new Tensor[xs.length], theirs = new Tensor[xs.length];
        Thread t = new Thread(() -> {
            for (int i = 0; i < xs.length; i++) theirs[i] = other.predict(xs[i]);
        });
        t.start();
        for (int i = 0; i < xs.length; i++) mine[i] = plan.predict(xs[i]);
        t.join();
        for (int i = 0; i < xs.length; i++) {
            assertSameFloats("this thread, call " + i, expected[i], mine[i]);
            assertSameFloats("the other thread, call " + i, expected[i], theirs[i]);
        }
    }

    /**
     * Past 4 rows the batch is split into blocks of rows, each taken through every layer of the
     * run by one thread: 256 (two blocks of 128), 300 (152 and 148), 61 (32 and 29), and batches
     * that stay whole (37: a last block of 13 rows is below the 70 x 33 layer's work); NaN in a row
     * stays in its row.
     */
    @Test
    void rowBlocksGiveTheForwardsFloats() {
        var rng = new SplittableRandom(9);
        Sequential model = new Sequential(new Linear(64, 300, rng), new ReLU(), new Linear(300, 70, rng),
                new Linear(Tensor.randn(rng, DType.FLOAT32, 70, 33), null), new ReLU());
        InferencePlan plan = InferencePlan.of(model);
        int split = io.backprop4j.internal.kernel.Parallel.threads() >= 2 ? 2 : 1;
        assertEquals(split, plan.rowBlocks(256));
        assertEquals(split, plan.rowBlocks(61));
        assertEquals(1, plan.rowBlocks(37));
        assertEquals(1, plan.rowBlocks(4));
        for (int batch : new int[] {256, 300, 37, 61, 256, 9}) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 64);
            if (batch == 61) {
                float[] v = x.toFloatArray();
                v[40 * 64 + 3] = Float.NaN;
                x = Tensor.of(v, x.shape());
            }
            assertSameFloats("batch " + batch, forward(model, x), plan.predict(x));
        }
    }

    /** The plan runs in evaluation mode and puts back every module's own mode, mixed ones too (a dropout left training, its parent not). */
    @Test
    void modesComeBackAsTheyWere() {
        var rng = new SplittableRandom(10);
        Dropout dropout = new Dropout(0.5, rng);
        Sequential inner = new Sequential(new Linear(6, 8, rng), dropout, new BatchNorm1d(8));
        Sequential model = new Sequential(inner, new Linear(8, 3, rng));
        InferencePlan plan = InferencePlan.of(model);
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 5, 6);
        Tensor expected = forward(model, x);
        model.setTraining(false);
        dropout.setTraining(true);
        assertSameFloats("mixed modes", expected, plan.predict(x));
        assertEquals(false, model.isTraining());
        assertEquals(false, inner.isTraining());
        assertEquals(true, dropout.isTraining());
        model.setTraining(true);
        assertSameFloats("training mode", expected, plan.predict(x));
        for (Module m : new Module[] {model, inner, dropout}) assertEquals(true, m.isTraining());
        model.setTraining(false);
        assertSameFloats("evaluation mode", expected, plan.predict(x));
        assertEquals(false, dropout.isTraining());
    }
}
