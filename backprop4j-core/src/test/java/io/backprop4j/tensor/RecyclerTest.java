package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The arrays a backward pass frees for the next forward pass ({@link Recycler}): every op that
 * takes one writes all of it (a kept array full of NaN, or of out-of-range winners, changes no
 * bit of the result), a training step's convolution and pooling outputs reuse the gradients of
 * the step before, and nothing a caller can still reach (a retained gradient, a seed, another
 * graph's state) is ever handed out again.
 */
class RecyclerTest {
    private static Tensor rnd(SplittableRandom r, DType dtype, int... shape) {
        return Tensor.randn(r, dtype, shape);
    }

    /** Runs {@code op} with fresh arrays, then again with a NaN-filled kept array of the output's size; the same bits both times. */
    private static void writesEveryElement(String what, Supplier<Tensor> op) {
        Recycler.clear();
        Tensor fresh = op.get();
        Tensor poison = Tensor.full(Double.NaN, fresh.dtype(), fresh.shape());
        Recycler.giveOwned(poison);
        Tensor reused = op.get();
        assertTrue(reused.sharesStorage(poison), what + ": the kept array was not taken");
        assertArrayEquals(fresh.toDoubleArray(), reused.toDoubleArray(), what);
        Recycler.clear();
    }

    /**
     * The gradients of {@code f} at x (and of the parameters it closes over, through {@code params})
     * with fresh arrays, then with a NaN-filled kept array of x's size handed out to whatever backward
     * pass step asks for that size first: the same bits both times.
     */
    private static void gradientsWriteEveryElement(String what, Tensor x, java.util.function.Function<Tensor, Tensor> f, Tensor... params) {
        double[][] expected = null;
        for (int round = 0; round < 2; round++) {
            Recycler.clear();
            for (Tensor p : params) p.setGrad(null);
            Tensor in = Tensor.zeros(x.dtype(), x.shape()).copy_(x).requiresGrad(true);
            Tensor y = f.apply(in);
            Tensor seed = Tensor.randn(new SplittableRandom(9), y.dtype(), y.shape());
            if (round == 1) Recycler.giveOwned(Tensor.full(Double.NaN, x.dtype(), x.shape()));
            y.mul(seed).sum().backward();
            double[][] got = new double[1 + params.length][];
            got[0] = in.grad().toDoubleArray();
            for (int i = 0; i < params.length; i++) got[i + 1] = params[i].grad().toDoubleArray();
            if (expected == null) expected = got;
            else for (int i = 0; i < got.length; i++) assertArrayEquals(expected[i], got[i], what + " gradient " + i);
        }
        Recycler.clear();
    }

    /** Linear, layer norm, GELU and elementwise arithmetic take kept arrays for their outputs and gradients: every element written. */
    @Test
    void denseAndTransformerOpsWriteEveryElement() {
        SplittableRandom r = new SplittableRandom(3);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = rnd(r, dt, 37, 19), w = rnd(r, dt, 19, 23).requiresGrad(true), b = rnd(r, dt, 23).requiresGrad(true);
            Tensor empty = rnd(r, dt, 5, 0), w0 = rnd(r, dt, 0, 7), b7 = rnd(r, dt, 7);
            writesEveryElement(dt + " linear", () -> Functional.linear(x, w, b));
            writesEveryElement(dt + " linear no bias", () -> Functional.linear(x, w, null));
            writesEveryElement(dt + " linear of 0 features, bias", () -> Functional.linear(empty, w0, b7));
            writesEveryElement(dt + " linear of 0 features", () -> Functional.linear(empty, w0, null));
            Tensor big = rnd(r, dt, 300, 64), gamma = rnd(r, dt, 64).requiresGrad(true), beta = rnd(r, dt, 64).requiresGrad(true);
            writesEveryElement(dt + " layer norm", () -> Functional.layerNorm(big, gamma, beta, 1e-5));
            writesEveryElement(dt + " layer norm, no affine", () -> Functional.layerNorm(x, null, null, 1e-5));
            if (dt == DType.FLOAT32) writesEveryElement(dt + " gelu", big::gelu);   // float64 maps element by element into a new array
            Tensor row = rnd(r, dt, 19), other = rnd(r, dt, 300, 64);
            writesEveryElement(dt + " add, broadcast", () -> x.add(row));
            writesEveryElement(dt + " add, one long row on the pool", () -> big.add(other));
            writesEveryElement(dt + " mul, scalar", () -> Tensor.full(2.0, dt).mul(Tensor.full(3.0, dt)));
            gradientsWriteEveryElement(dt + " linear", x, in -> Functional.linear(in, w, b), w, b);
            gradientsWriteEveryElement(dt + " linear no bias, transposed input", rnd(r, dt, 19, 37),
                    in -> Functional.linear(in.transpose(0, 1), w, null), w);
            gradientsWriteEveryElement(dt + " layer norm", big, in -> Functional.layerNorm(in, gamma, beta, 1e-5), gamma, beta);
            gradientsWriteEveryElement(dt + " gelu", big, Tensor::gelu);
            // causal and not, 3 heads of 4 columns; the weights [2, 3, 5, 5] and the gradient [2, 5, 36] from kept arrays
            Tensor qkv = rnd(r, dt, 2, 5, 36);
            for (boolean causal : new boolean[] {true, false}) {
                writesEveryElement(dt + " self-attention, causal " + causal, () -> Functional.selfAttention(qkv, 3, causal));
                gradientsWriteEveryElement(dt + " self-attention, causal " + causal, qkv, in -> Functional.selfAttention(in, 3, causal));
                Recycler.clear();
                Recycler.giveOwned(Tensor.full(Double.NaN, dt, 2, 3, 5, 5));
                Tensor poisoned = Functional.selfAttention(qkv, 3, causal);
                assertArrayEquals(Functional.selfAttention(qkv, 3, causal).toDoubleArray(), poisoned.toDoubleArray(), dt + " weights from a kept array");
            }
        }
    }

    /**
     * GELU keeps Φ for its backward in one array from the recycler and gives it back once the
     * backward read it: the next step takes it again, and a NaN-filled kept array of that length
     * changes no bit of the output or the gradient.
     */
    @Test
    void geluKeepsItsPhiInARecycledArray() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 2 * GELUOp.BLOCK + 37;
        Tensor x = rnd(r, DType.FLOAT32, n);
        double[][] expected = null;
        for (int round = 0; round < 3; round++) {
            Recycler.clear();
            if (round == 1) {
                for (int i = 0; i < 3; i++) Recycler.giveOwned(Tensor.full(Double.NaN, DType.FLOAT32, n));
            }
            Tensor in = Tensor.zeros(DType.FLOAT32, n).copy_(x).requiresGrad(true);
            Tensor y = in.gelu();
            y.backward(Tensor.full(1.0, DType.FLOAT32, n));
            if (round == 2) {
                // Φ went back after the backward above (with the output gradient's own array, not handed back here)
                assertTrue(Recycler.kept(float[].class, n) >= 1, "Φ was not kept after the backward");
            }
            double[][] got = {y.toDoubleArray(), in.grad().toDoubleArray()};
            if (expected == null) expected = got;
            else for (int i = 0; i < 2; i++) assertArrayEquals(expected[i], got[i], "round " + round + " part " + i);
        }
        Recycler.clear();
    }

    @Test
    void convolutionWritesEveryOutputElement() {
        SplittableRandom r = new SplittableRandom(1);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x1 = rnd(r, dt, 3, 1, 9, 11), w1 = rnd(r, dt, 5, 1, 3, 3), b5 = rnd(r, dt, 5);
            Tensor x4 = rnd(r, dt, 2, 4, 7, 6), w4 = rnd(r, dt, 6, 4, 3, 3), b6 = rnd(r, dt, 6), w2 = rnd(r, dt, 6, 2, 2, 3);
            Tensor p = rnd(r, dt, 6, 4, 1, 1);
            // A short patch (the vector path in float32), with and without a bias.
            writesEveryElement(dt + " conv 1x3x3 with bias", () -> Functional.conv2d(x1, w1, b5, 1, 1));
            writesEveryElement(dt + " conv 1x3x3 no bias", () -> Functional.conv2d(x1, w1, null, 1, 1));
            // A long patch (the GEMM), strided, dilated and grouped; a 1x1 kernel.
            writesEveryElement(dt + " conv 4x3x3", () -> Functional.conv2d(x4, w4, b6, 2, 1));
            writesEveryElement(dt + " conv 4x3x3 no bias", () -> Functional.conv2d(x4, w4, null, 1, 0));
            writesEveryElement(dt + " conv groups", () -> Functional.conv2d(x4, w2, b6, new int[] {1, 2}, new int[] {1, 0},
                    new int[] {2, 1}, 2));
            writesEveryElement(dt + " conv 1x1", () -> Functional.conv2d(x4, p, null));
        }
    }

    @Test
    void maxPoolingWritesEveryOutputAndWinner() {
        SplittableRandom r = new SplittableRandom(2);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = rnd(r, dt, 2, 3, 8, 10).requiresGrad(true);
            Tensor odd = rnd(r, dt, 2, 3, 7, 9).requiresGrad(true);
            Tensor c = rnd(r, dt, 2, 3, 4, 5);
            writesEveryElement(dt + " max pool 2x2", () -> Functional.maxPool2d(x, 2));
            // Padding, dilation, ceil mode (a last window partly outside).
            Supplier<Tensor> general = () -> Functional.maxPool2d(odd, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1},
                    new int[] {1, 2}, true);
            writesEveryElement(dt + " max pool 3x2", general);
            // Winners: kept int arrays of out-of-range indices must be overwritten, or backward fails or misroutes.
            java.util.List<java.util.function.UnaryOperator<Tensor>> pools = java.util.List.of(
                    in -> Functional.maxPool2d(in, 2),
                    in -> Functional.maxPool2d(in, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 2}, true));
            for (var pool : pools) {
                double[] expected = null;
                for (int round = 0; round < 2; round++) {
                    Recycler.clear();
                    Tensor in = Tensor.of(odd.toDoubleArray(), odd.shape()).to(dt).requiresGrad(true);
                    Tensor y = pool.apply(in);
                    if (round == 1) {
                        // The pool took fresh winners above; poison a kept array for the next forward pass of this size.
                        int[] junk = new int[y.numel()];
                        Arrays.fill(junk, Integer.MIN_VALUE);
                        Recycler.give(junk);
                        y = pool.apply(in);
                    }
                    y.mul(c.narrow(2, 0, y.size(2)).narrow(3, 0, y.size(3))).sum().backward();
                    if (round == 0) expected = in.grad().toDoubleArray();
                    else assertArrayEquals(expected, in.grad().toDoubleArray(), dt + " winners");
                }
            }
        }
        Recycler.clear();
    }

    @Test
    void averagePoolingWritesEveryOutputElement() {
        SplittableRandom r = new SplittableRandom(7);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = rnd(r, dt, 2, 3, 7, 9);
            writesEveryElement(dt + " avg pool 2x2", () -> Functional.avgPool2d(x, 2));
            writesEveryElement(dt + " avg pool 3x2 padded, ceil", () -> Functional.avgPool2d(x, new int[] {3, 2}, new int[] {2, 2},
                    new int[] {1, 1}, true, false, 0));
        }
    }

    /** conv → relu → max pool → reshape → a weighted sum: the second step's conv and pool outputs take the first step's gradients. */
    @Test
    void aSecondTrainingStepReusesTheFirstStepsGradients() {
        SplittableRandom r = new SplittableRandom(4);
        Tensor x = rnd(r, DType.FLOAT32, 4, 3, 16, 16);
        Tensor w = rnd(r, DType.FLOAT32, 8, 3, 3, 3).requiresGrad(true);
        Tensor b = rnd(r, DType.FLOAT32, 8).requiresGrad(true);
        Tensor c = rnd(r, DType.FLOAT32, 4, 8 * 8 * 8);
        Recycler.clear();
        float[] firstW = null, firstOut = null;
        int conv = 4 * 8 * 16 * 16, pool = 4 * 8 * 8 * 8;
        for (int step = 0; step < 3; step++) {
            w.zeroGrad();
            b.zeroGrad();
            Tensor y = Functional.conv2d(x, w, b, 1, 1);
            Tensor p = Functional.maxPool2d(y.relu(), 2);
            // The forward pass took what the last backward kept: the conv's, the pool's and the winners' arrays.
            assertEquals(0, Recycler.kept(float[].class, conv) + Recycler.kept(float[].class, pool) + Recycler.kept(int[].class, pool),
                    "step " + step + ": arrays left unused");
            p.reshape(4, 8 * 8 * 8).mul(c).sum().backward();
            // The conv's gradient (ReLU wrote it over the pool's), the pool's (a view of mul's) and the winners.
            assertEquals(1, Recycler.kept(float[].class, conv), "the conv output's gradient was not kept");
            assertEquals(1, Recycler.kept(float[].class, pool), "the pool output's gradient was not kept");
            assertEquals(1, Recycler.kept(int[].class, pool), "the winners were not kept");
            if (step == 0) {
                firstW = w.grad().toFloatArray();
                firstOut = p.toFloatArray();
            } else {
                assertArrayEquals(firstW, w.grad().toFloatArray(), "step " + step + ": weight gradient");
                assertArrayEquals(firstOut, p.toFloatArray(), "step " + step + ": output");
            }
        }
        Recycler.clear();
    }

    @Test
    void retainedGradientsAndSeedsAreNeverHandedOut() {
        SplittableRandom r = new SplittableRandom(5);
        Tensor x = rnd(r, DType.FLOAT32, 2, 2, 6, 6);
        Tensor w = rnd(r, DType.FLOAT32, 3, 2, 3, 3).requiresGrad(true);
        Recycler.clear();
        Tensor y = Functional.conv2d(x, w, null, 1, 1).retainGrad();
        Tensor pooled = Functional.maxPool2d(y.relu(), 2).retainGrad();
        pooled.sum().backward();
        float[] yGrad = y.grad().toFloatArray(), pGrad = pooled.grad().toFloatArray();
        Tensor seed = Tensor.ones(DType.FLOAT32, y.shape());
        Functional.conv2d(x, w, null, 1, 1).backward(seed);
        for (int i = 0; i < 3; i++) {
            Tensor again = Functional.conv2d(x, w, null, 1, 1);
            Tensor pooledAgain = Functional.maxPool2d(again, 2);
            assertFalse(again.sharesStorage(y.grad()) || again.sharesStorage(seed), "a caller's gradient was reused");
            assertFalse(pooledAgain.sharesStorage(pooled.grad()), "a retained gradient was reused");
        }
        assertArrayEquals(yGrad, y.grad().toFloatArray());
        assertArrayEquals(pGrad, pooled.grad().toFloatArray());
        assertEquals(1f, seed.toFloatArray()[0]);
        Recycler.clear();
    }

    /** Two graphs of one layer, built before either back-propagates: the first's freed arrays never disturb the second. */
    @Test
    void interleavedGraphsKeepTheirOwnState() {
        SplittableRandom r = new SplittableRandom(6);
        Tensor x = rnd(r, DType.FLOAT64, 3, 2, 8, 8);
        Tensor w = rnd(r, DType.FLOAT64, 4, 2, 3, 3).requiresGrad(true);
        Recycler.clear();
        Tensor a = Functional.maxPool2d(Functional.conv2d(x, w, null, 1, 1).relu(), 2);
        Tensor b = Functional.maxPool2d(Functional.conv2d(x, w, null, 1, 1).relu(), 2);
        a.mul(a).sum().backward();
        double[] ga = w.grad().toDoubleArray();
        // A third forward pass takes what a's backward freed, while b's graph is still alive.
        Tensor c = Functional.maxPool2d(Functional.conv2d(x.mul(-1.0), w, null, 1, 1).relu(), 2);
        w.zeroGrad();
        b.mul(b).sum().backward();
        assertArrayEquals(ga, w.grad().toDoubleArray());
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertSame(DType.FLOAT64, c.dtype());
        Recycler.clear();
    }
}
