package io.backprop4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The standard losses by name: each applies the {@link Losses} function it names, with its formula beside it. */
class LossTest {
    @Test
    void eachLossIsTheLossesFunctionItNames() {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor p = Tensor.uniform(rng, 0.05, 0.95, DType.FLOAT64, 3, 4);
        Tensor rows = p.softmax(1);
        Tensor y = Tensor.uniform(rng, 0, 1, DType.FLOAT64, 3, 4);
        Tensor oneHot = Tensor.of(new double[][] {{0, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 1}});
        assertEquals(Losses.mse(p, y).item(), Loss.MSE.apply(p, y).item());
        assertEquals(Losses.binaryCrossEntropy(p, y).item(), Loss.BINARY_CROSS_ENTROPY.apply(p, y).item());
        assertEquals(Losses.binaryCrossEntropyWithLogits(p, y).item(), Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS.apply(p, y).item());
        assertEquals(Losses.crossEntropyProbs(rows, oneHot).item(), Loss.CROSS_ENTROPY.apply(rows, oneHot).item());
        assertEquals(Losses.crossEntropy(p, oneHot).item(), Loss.CROSS_ENTROPY_WITH_LOGITS.apply(p, oneHot).item());
        // exercise 6.1: −½[ln(1 − 0.117741) + ln 0.882259]
        double bce = Loss.BINARY_CROSS_ENTROPY.apply(Tensor.of(new double[][] {{0.117741, 0.882259}}), Tensor.of(new double[][] {{0, 1}})).item();
        assertEquals(-Math.log(0.882259), bce, 1e-12);
    }

    @Test
    void namesAndFormulas() {
        for (Loss l : Loss.values()) {
            assertEquals(l, Loss.byName(l.specName()));
            assertTrue(l.formula().startsWith("L = "), l + ": " + l.formula());
            assertTrue(!l.gradient().isBlank() && !l.gradient().contains("="), l + ": the right-hand side only: " + l.gradient());
        }
        assertNull(Loss.byName("hinge"));
        assertEquals("mse, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, cross_entropy_with_logits", Loss.names());
        assertEquals(Loss.values().length, Arrays.stream(Loss.values()).map(Loss::specName).distinct().count());
    }

    /** Float32 logits [N, T, V] with class indices and an ignore index (their own float32 kernel): the float64 loss and gradient to float32 accuracy. */
    @Test
    void float32SequenceCrossEntropyAgreesWithFloat64() {
        SplittableRandom rng = new SplittableRandom(17);
        int n = 5, t = 7, v = 31;
        Tensor x64 = Tensor.randn(rng, DType.FLOAT64, n, t, v).mul(4.0);
        long[] idx = new long[n * t];
        for (int i = 0; i < idx.length; i++) idx[i] = i % 6 == 0 ? -100 : rng.nextInt(v);
        Tensor y = Tensor.of(idx, n, t);
        Tensor a = x64.detach().requiresGrad(true), b = x64.to(DType.FLOAT32).detach().requiresGrad(true);
        Tensor l64 = Losses.crossEntropy(a, y, -100), l32 = Losses.crossEntropy(b, y, -100);
        l64.backward();
        l32.backward();
        assertEquals(l64.item(), l32.item(), 1e-6 * Math.abs(l64.item()));
        double[] ga = a.grad().toDoubleArray(), gb = b.grad().toDoubleArray();
        for (int i = 0; i < ga.length; i++) {
            assertEquals(ga[i], gb[i], 1e-7 + 1e-5 * Math.abs(ga[i]), "gradient at " + i);
            if (idx[i / v] == -100) assertEquals(0.0, gb[i], "an ignored position has no gradient");
        }
    }
}
