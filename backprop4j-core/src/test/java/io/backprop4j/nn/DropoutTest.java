package io.backprop4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.autograd.GradCheck;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DropoutTest {
    @Test
    void trainingKeepsAboutOneMinusPAndScales() {
        var drop = new Dropout(0.25, new SplittableRandom(1));
        assertTrue(drop.isTraining());
        Tensor x = Tensor.ones(DType.FLOAT32, 200, 500);
        double[] y = drop.forward(x).toDoubleArray();
        int zeros = 0;
        for (double v : y) {
            if (v == 0) zeros++;
            else assertEquals(1 / 0.75, v, 1e-6);
        }
        assertEquals(0.25, zeros / (double) y.length, 0.005);
        double[] again = drop.forward(x).toDoubleArray();
        assertTrue(!java.util.Arrays.equals(y, again), "a fresh mask per call");
    }

    @Test
    void sameSeedSameMask() {
        Tensor x = Tensor.randn(new SplittableRandom(3), DType.FLOAT64, 4, 6);
        Tensor a = new Dropout(0.5, new SplittableRandom(9)).forward(x);
        Tensor b = new Dropout(0.5, new SplittableRandom(9)).forward(x);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
    }

    @Test
    void evalModeAndZeroPAreTheIdentity() {
        Tensor x = Tensor.randn(new SplittableRandom(3), DType.FLOAT32, 3, 4);
        var drop = new Dropout(0.5, new SplittableRandom(1));
        try (var s = drop.evalScope()) {
            assertSame(x, drop.forward(x));
        }
        assertTrue(drop.isTraining());
        var seq = new Sequential(new Linear(4, 4, new SplittableRandom(2)), drop);
        try (var s = seq.evalScope()) {
            assertTrue(!drop.isTraining());
        }
        assertSame(x, new Dropout(0, new SplittableRandom(1)).forward(x));
        for (double v : new Dropout(1, new SplittableRandom(1)).forward(x).toDoubleArray()) assertEquals(0.0, Math.abs(v));
    }

    @Test
    void gradientFlowsThroughTheMask() {
        var rng = new SplittableRandom(5);
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 3, 5).requiresGrad(true);
        // a fresh generator with the same seed on every evaluation fixes the mask
        GradCheck.check(in -> new Dropout(0.3, new SplittableRandom(42)).forward(in[0]).tanh(), rng, x);
        x.zeroGrad();
        Tensor y = new Dropout(0.3, new SplittableRandom(42)).forward(x);
        y.sum().backward();
        double[] g = x.grad().toDoubleArray(), out = y.toDoubleArray(), in = x.toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            assertEquals(out[i] == 0 ? 0 : 1 / 0.7, g[i], 1e-12);
            if (out[i] != 0) assertEquals(in[i] / 0.7, out[i], 1e-12);
        }
    }

    @Test
    void rejectsBadProbabilities() {
        assertEquals("dropout probability has to be between 0 and 1, but got 1.5",
                assertThrows(BackpropException.class, () -> new Dropout(1.5, new SplittableRandom(1))).getMessage());
        assertThrows(BackpropException.class, () -> new Dropout(-0.1, new SplittableRandom(1)));
        assertThrows(BackpropException.class, () -> new Dropout(Double.NaN, new SplittableRandom(1)));
        assertEquals("Dropout(p=0.2)", new Dropout(0.2, new SplittableRandom(1)).toString());
        assertEquals(0, new Dropout(0.2, new SplittableRandom(1)).parameters().size());
    }
}
