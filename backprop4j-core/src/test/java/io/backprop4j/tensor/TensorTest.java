package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void asStridedIsACheckedView() {
        Tensor a = Tensor.arange(0, 6, 1, DType.FLOAT64);
        Tensor w = a.asStrided(new int[] {2, 3}, new int[] {1, 2}, 0);   // columns of a 3x2 matrix
        assertTrue(w.sharesStorage(a));
        assertArrayEquals(new double[] {0, 2, 4, 1, 3, 5}, w.toDoubleArray());
        Tensor windows = a.asStrided(new int[] {4, 3}, new int[] {1, 1}, 0);   // overlapping windows, last one ends at 5
        assertEquals(5.0, windows.get(3, 2));
        assertEquals(0, a.asStrided(new int[] {0, 9}, new int[] {9, 9}, 6).numel());   // empty: reaches nothing
        var past = assertThrows(ShapeException.class, () -> a.asStrided(new int[] {2, 3}, new int[] {3, 1}, 1));
        assertEquals("asStrided: shape [2, 3], strides [3, 1], offset 1: reaches storage element 6, but the storage holds 6", past.getMessage());
        assertThrows(ShapeException.class, () -> a.asStrided(new int[] {2}, new int[] {-1}, 5));
        assertThrows(ShapeException.class, () -> a.asStrided(new int[] {2}, new int[] {1}, -1));
        assertThrows(ShapeException.class, () -> a.asStrided(new int[] {2, 2}, new int[] {1}, 0));
        Tensor p = Tensor.zeros(DType.FLOAT64, 4).requiresGrad(true);
        assertThrows(BackpropException.class, () -> p.asStrided(new int[] {2}, new int[] {2}, 0));
        try (var g = NoGrad.enter()) {
            assertEquals(2, p.asStrided(new int[] {2}, new int[] {2}, 0).numel());
        }
    }

    @Test
    void viewsShareStorage() {
        Tensor a = Tensor.arange(0, 6, 1, DType.FLOAT64).reshape(2, 3);
        Tensor t = a.t();
        assertTrue(t.sharesStorage(a));
        assertFalse(t.isContiguous());
        assertArrayEquals(new int[] {3, 2}, t.shape());
        assertEquals(5.0, t.get(2, 1));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.toDoubleArray());
        Tensor row = a.narrow(0, 1, 1);
        assertTrue(row.sharesStorage(a));
        assertArrayEquals(new double[] {3, 4, 5}, row.toDoubleArray());
        Tensor e = Tensor.vector(1, 2).reshape(2, 1).expand(2, 3);
        assertArrayEquals(new int[] {2, 3}, e.shape());
        assertArrayEquals(new double[] {1, 1, 1, 2, 2, 2}, e.toDoubleArray());
        // reshape of a non-contiguous view copies
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.reshape(6).toDoubleArray());
    }

    @Test
    void broadcastingFollowsNumpy() {
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.vector(10, 20, 30);
        assertArrayEquals(new double[] {11, 22, 33, 14, 25, 36}, a.add(b).toDoubleArray());
        Tensor col = Tensor.of(new double[] {1, 2}, 2, 1);
        assertArrayEquals(new int[] {2, 3}, col.mul(Tensor.of(new double[] {1, 2, 3}, 1, 3)).shape());
        ShapeException e = assertThrows(ShapeException.class, () -> a.add(Tensor.vector(1, 2)));
        assertTrue(e.getMessage().startsWith("add: shapes [2, 3] and [2]"), e.getMessage());
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(DType.FLOAT64, 2, 3), b = Tensor.zeros(DType.FLOAT64, 4, 5);
        ShapeException e = assertThrows(ShapeException.class, () -> a.matmul(b));
        assertEquals("matmul: [2, 3] x [4, 5]: inner sizes 3 and 4 differ", e.getMessage());
        assertTrue(assertThrows(ShapeException.class, () -> a.reshape(4, 2)).getMessage().contains("[2, 3]"));
        assertTrue(assertThrows(ShapeException.class, () -> Tensor.concat(0, a, b)).getMessage().contains("[4, 5]"));
        assertTrue(assertThrows(BackpropException.class, () -> a.add(Tensor.zeros(DType.FLOAT32, 2, 3))).getMessage().contains("float32"));
    }

    @Test
    void reductions() {
        Tensor a = Tensor.of(new double[] {1, 5, 3, 4, 2, 6}, 2, 3);
        assertEquals(21, a.sum().item());
        assertArrayEquals(new double[] {5, 7, 9}, a.sum(0, false).toDoubleArray());
        assertArrayEquals(new int[] {2, 1}, a.sum(1, true).shape());
        assertArrayEquals(new double[] {3, 4}, a.mean(1, false).toDoubleArray());
        assertArrayEquals(new double[] {5, 6}, a.max(1, false).toDoubleArray());
        assertArrayEquals(new double[] {1, 2}, a.argmax(1, false).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 1}, a.argmax(0, false).toDoubleArray());
    }

    @Test
    void batchedMatmulBroadcasts() {
        SplittableRandom r = new SplittableRandom(3);
        Tensor a = Tensor.randn(r, DType.FLOAT64, 2, 3, 4), b = Tensor.randn(r, DType.FLOAT64, 4, 5);
        Tensor c = a.matmul(b);
        assertArrayEquals(new int[] {2, 3, 5}, c.shape());
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++) {
                    double s = 0;
                    for (int t = 0; t < 4; t++) s += a.get(k, i, t) * b.get(t, j);
                    assertEquals(s, c.get(k, i, j), 1e-12);
                }
    }

    @Test
    void printsLikePyTorch() {
        assertEquals("tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  3.0000]], dtype=float64)",
                Tensor.of(new double[][] {{1.5, -2}, {0.25, 3}}).toString());
        assertEquals("tensor([1., 2., 3.])", Tensor.of(new float[] {1, 2, 3}, 3).toString());
        assertEquals("tensor(2.5000, dtype=float64)", Tensor.scalar(2.5, DType.FLOAT64).toString());
        assertTrue(Tensor.vector(1e-6, 1).toString().contains("e-06"));
    }

    @Test
    void noGradScopeStopsRecording() {
        Tensor w = Tensor.vector(1, 2).requiresGrad(true);
        try (var g = NoGrad.enter()) {
            Tensor y = w.mul(2.0);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
        }
        assertTrue(w.mul(2.0).requiresGrad());
        assertTrue(NoGrad.isGradEnabled());
    }

    @Test
    void detachAndRetainGrad() {
        Tensor w = Tensor.vector(1, 2).requiresGrad(true);
        Tensor h = w.mul(3.0).retainGrad();
        Tensor d = h.detach();
        assertFalse(d.requiresGrad());
        h.square().sum().backward();
        assertArrayEquals(new double[] {6, 12}, h.grad().toDoubleArray()); // 2h
        assertArrayEquals(new double[] {18, 36}, w.grad().toDoubleArray()); // 2h * 3
    }

    @Test
    void backwardNeedsAScalarOrAGradient() {
        Tensor w = Tensor.vector(1, 2).requiresGrad(true);
        assertTrue(assertThrows(ShapeException.class, () -> w.mul(2.0).backward()).getMessage().contains("[2]"));
        assertThrows(BackpropException.class, () -> Tensor.vector(1).backward());
    }

    @Test
    void factoriesAreSeeded() {
        Tensor a = Tensor.randn(new SplittableRandom(7), DType.FLOAT32, 3, 4);
        Tensor b = Tensor.randn(new SplittableRandom(7), DType.FLOAT32, 3, 4);
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        assertEquals(DType.FLOAT32, Tensor.zeros(2).dtype());
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5}, Tensor.arange(0, 2, 0.5, DType.FLOAT64).toDoubleArray());
        assertThrows(BackpropException.class, () -> Tensor.of(new double[3], 2, 2));
    }

    @Test
    void float32OpsComputeInFloat32() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor loss = a.matmul(a).relu().sum();
        assertEquals(DType.FLOAT32, loss.dtype());
        loss.backward();
        assertEquals(DType.FLOAT32, a.grad().dtype());
        assertEquals(54f, (float) loss.item());
    }
}
