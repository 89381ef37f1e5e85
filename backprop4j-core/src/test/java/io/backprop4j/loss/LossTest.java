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
}
