package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

/** The engine's bookkeeping: gradients adopted without copying never share storage between leaves. */
class AutogradTest {
    @Test
    void leavesThatReceiveOneGradientDoNotShareIt() {
        Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {3, 4}, 2).requiresGrad(true);
        a.add(b).sum().backward(); // add hands the same gradient to both inputs
        assertFalse(a.grad().sharesStorage(b.grad()));
        a.add(b).mul(2.0).sum().backward(); // accumulating into one must not change the other
        assertArrayEquals(new float[] {3, 3}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {3, 3}, b.grad().toFloatArray());
    }

    /**
     * Backward lets each op go once it has run: the activations it saved become garbage while the
     * loss is still held, a second backward through the same graph is refused in one line, and
     * the tensors stay non-leaves. A forward pass run again back-propagates as before.
     */
    @Test
    void backwardLetsTheGraphGoAndRefusesASecondPass() {
        Tensor w = Tensor.of(new float[] {1, -2, 3}, 3).requiresGrad(true);
        Tensor hidden = w.mul(2.0).relu();
        Tensor loss = hidden.mul(hidden).sum();
        WeakReference<Tensor> hiddenRef = new WeakReference<>(hidden);
        hidden = null;
        loss.backward();
        assertArrayEquals(new float[] {8, 0, 24}, w.grad().toFloatArray(), 0f); // d/dw (2w)^2 = 8w where 2w > 0
        assertNull(loss.gradFn());
        assertFalse(loss.isLeaf());
        for (int i = 0; i < 50 && hiddenRef.get() != null; i++) System.gc();
        assertNull(hiddenRef.get(), "the relu's output, saved by the product, is still reachable from the loss after backward");
        BackpropException e = assertThrows(BackpropException.class, loss::backward);
        assertEquals("backward: this graph was already run backwards and let go (through sum); run the forward pass again for"
                + " another backward", e.getMessage());
        assertArrayEquals(new float[] {8, 0, 24}, w.grad().toFloatArray(), 0f, "a refused pass adds nothing");
        Tensor again = w.mul(2.0).relu();
        again.mul(again).sum().backward();
        assertArrayEquals(new float[] {16, 0, 48}, w.grad().toFloatArray(), 0f);
    }

    /**
     * ReLU of a negative input is +0, not −0 (PyTorch's value), and so is its gradient there, in
     * float32 (the vector loop and its scalar tail: 37 elements) and float64.
     */
    @Test
    void reluGivesPositiveZeroBelowZero() {
        float[] xv = new float[37];
        for (int i = 0; i < xv.length; i++) xv[i] = i % 2 == 0 ? -1 - i : 1 + i;
        Tensor x = Tensor.of(xv, 37).requiresGrad(true);
        Tensor y = x.relu();
        y.backward(Tensor.of(new float[37], 37).sub(1.0)); // g = -1 everywhere: -1 * 0 would be -0
        float[] yv = y.toFloatArray(), gv = x.grad().toFloatArray();
        for (int i = 0; i < xv.length; i += 2) {
            assertEquals(0, Float.floatToRawIntBits(yv[i]), "relu(" + xv[i] + ") at " + i);
            assertEquals(0, Float.floatToRawIntBits(gv[i]), "gradient at " + i);
        }
        Tensor xd = Tensor.of(new double[] {-2, 3}, 2).requiresGrad(true);
        Tensor yd = xd.relu();
        yd.backward(Tensor.of(new double[] {-1, -1}, 2));
        assertEquals(0L, Double.doubleToRawLongBits(yd.toDoubleArray()[0]));
        assertEquals(0L, Double.doubleToRawLongBits(xd.grad().toDoubleArray()[0]));
    }

    /**
     * ReLU writes its input's gradient over the gradient it receives only when the engine holds
     * that alone: a gradient shared by two inputs (add), kept by a retained intermediate, or
     * given as the seed keeps its values. Each gradient is checked against g·[x > 0] by hand.
     */
    @Test
    void reluOverwritesOnlyAGradientNobodyElseHolds() {
        float[] xv = {-1, 2, -3, 4}, cv = {5, 6, 7, 8};
        Tensor c = Tensor.of(cv, 4);
        // Owned: the gradient of relu(x) is mul's fresh x-gradient (c), overwritten in place; then h's is c·mask.
        Tensor x = Tensor.of(xv, 4).requiresGrad(true);
        Tensor h = x.mul(1.0);
        h.relu().mul(c).sum().backward();
        assertArrayEquals(new float[] {0, 6, 0, 8}, x.grad().toFloatArray());
        // Shared: add hands one gradient to both relus; each must see it unmasked by the other.
        Tensor a = Tensor.of(xv, 4).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {1, -2, 3, -4}, 4).requiresGrad(true);
        a.mul(1.0).relu().add(b.mul(1.0).relu()).mul(c).sum().backward();
        assertArrayEquals(new float[] {0, 6, 0, 8}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {5, 0, 7, 0}, b.grad().toFloatArray());
        // Retained: r keeps the gradient it received, unmasked.
        Tensor y = Tensor.of(xv, 4).requiresGrad(true);
        Tensor r = y.mul(c).retainGrad();
        Tensor z = r.relu().retainGrad();
        z.mul(c).sum().backward();
        assertArrayEquals(cv, z.grad().toFloatArray());
        assertArrayEquals(new float[] {0, 6, 0, 8}, r.grad().toFloatArray());
        // The seed: the caller's array is never written.
        Tensor s = Tensor.of(xv, 4).requiresGrad(true);
        Tensor seed = Tensor.of(cv.clone(), 4);
        s.mul(1.0).relu().backward(seed);
        assertArrayEquals(cv, seed.toFloatArray());
        assertArrayEquals(new float[] {0, 6, 0, 8}, s.grad().toFloatArray());
    }

    /**
     * A ReLU large enough to be cut into chunks for the threads (64K floats each): every element's
     * value and gradient is checked, with the input read from an offset (a view's storage) and the
     * gradient written over the engine's own and into a fresh array alike.
     */
    @Test
    void aReluCutIntoChunksGivesEveryElementItsValueAndGradient() {
        int n = (1 << 18) + 7;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(12);
        float[] xv = new float[n + 3], cv = new float[n];
        for (int i = 0; i < xv.length; i++) xv[i] = (float) (rng.nextDouble() - 0.5);
        for (int i = 0; i < n; i++) cv[i] = (float) rng.nextDouble();
        Tensor base = Tensor.of(xv, n + 3).requiresGrad(true);
        Tensor x = base.narrow(0, 3, n);   // storage offset 3
        Tensor c = Tensor.of(cv, n);
        Tensor y = x.relu();
        float[] yv = y.toFloatArray();
        y.mul(c).sum().backward();           // owned: mul's fresh gradient is overwritten
        float[] owned = base.grad().toFloatArray();
        Tensor other = Tensor.of(xv, n + 3).requiresGrad(true);
        Tensor r = other.narrow(0, 3, n).relu();
        r.backward(c);                       // the seed: written into a fresh array
        float[] fresh = other.grad().toFloatArray();
        for (int i = 0; i < n; i++) {
            float v = xv[3 + i], g = v > 0 ? cv[i] : 0f;
            if (yv[i] != Math.max(v, 0f) || owned[3 + i] != g || fresh[3 + i] != g) {
                throw new AssertionError("element " + i + ": x " + v + ", relu " + yv[i] + ", gradients " + owned[3 + i] + " and " + fresh[3 + i]);
            }
        }
    }

    @Test
    void theSeedIsNeverAdopted() {
        Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor seed = Tensor.of(new double[] {1, 1}, 2);
        w.mul(1.0).backward(seed);
        seed.fill_(5);
        assertArrayEquals(new double[] {1, 1}, w.grad().toDoubleArray());
    }

    @Test
    void retainedIntermediatesKeepTheirOwnCopy() {
        Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor h = w.add(Tensor.zeros(DType.FLOAT64, 2)).retainGrad();
        h.sum().backward();
        assertFalse(h.grad().sharesStorage(w.grad()));
        Tensor h2 = w.add(Tensor.zeros(DType.FLOAT64, 2)).retainGrad();
        h2.sum().backward(); // w accumulates in its own storage, h's copy stays as it was
        assertArrayEquals(new double[] {1, 1}, h.grad().toDoubleArray());
        h.grad().addInPlace(h2.grad(), 1.0);
        assertArrayEquals(new double[] {2, 2}, w.grad().toDoubleArray());
        assertArrayEquals(new double[] {2, 2}, h.grad().toDoubleArray());
    }

    @Test
    void aFreshGradientIsAdoptedWithoutACopy() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor w = Tensor.of(new float[] {1, 0, 0, 1}, 2, 2).requiresGrad(true);
        x.matmul(w).sum().backward();
        assertTrue(w.grad().isContiguous());
        assertSame(DType.FLOAT32, w.grad().dtype());
        assertArrayEquals(new float[] {4, 4, 6, 6}, w.grad().toFloatArray());
        // Back from y = w * c with a given seed g, w's gradient is one fresh [n] tensor, g * c:
        // adopting it allocates those 4n bytes once; a copy into w.grad() would allocate them twice.
        // Counted per thread.
        int n = 1 << 21;
        Tensor big = Tensor.zeros(DType.FLOAT32, n).requiresGrad(true);
        Tensor c = Tensor.ones(DType.FLOAT32, n);
        Tensor seed = Tensor.ones(DType.FLOAT32, n);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long bytes = 0;
        for (int round = 0; round < 3; round++) {   // the last round counts: classes loaded, code compiled
            big.zeroGrad();
            Tensor y = big.mul(c);
            long before = threads.getCurrentThreadAllocatedBytes();
            y.backward(seed);
            bytes = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertTrue(bytes >= 4L * n && bytes < 6L * n, "backward allocated " + bytes + " bytes for a gradient of " + 4L * n);
        assertArrayEquals(c.toFloatArray(), big.grad().toFloatArray());
    }
}
