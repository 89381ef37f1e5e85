package io.backprop4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MlpTest {
    @Test
    void buildsTheCliNetwork() {
        Sequential net = Mlp.build(new int[] {784, 512, 256, 10}, "relu", 0.2, false, new SplittableRandom(1), DType.FLOAT32);
        List<Module> l = net.layers();
        assertEquals(7, l.size());
        assertInstanceOf(Linear.class, l.get(0));
        assertInstanceOf(ReLU.class, l.get(1));
        assertInstanceOf(Dropout.class, l.get(2));
        assertEquals(0.2, ((Dropout) l.get(2)).p());
        assertInstanceOf(Linear.class, l.get(3));
        assertInstanceOf(Linear.class, l.get(6));
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"), List.copyOf(net.namedParameters().keySet()));
        assertEquals(784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10, net.parameterCount());
        Tensor y = net.forward(Tensor.zeros(5, 784));
        assertArrayEquals(new int[] {5, 10}, y.shape());
    }

    @Test
    void batchNormAndNoDropout() {
        Sequential net = Mlp.build(new int[] {4, 8, 3}, "tanh", 0, true, new SplittableRandom(1), DType.FLOAT64);
        List<Module> l = net.layers();
        assertEquals(4, l.size());
        assertInstanceOf(BatchNorm1d.class, l.get(1));
        assertInstanceOf(Tanh.class, l.get(2));
        assertEquals(DType.FLOAT64, ((Linear) l.get(3)).weight().dtype());
        assertEquals(List.of("1.running_mean", "1.running_var"), List.copyOf(net.namedBuffers().keySet()));
        // no hidden layer: a single Linear
        assertEquals(1, Mlp.build(new int[] {4, 2}, "relu", 0.5, true, new SplittableRandom(1), DType.FLOAT32).layers().size());
    }

    @Test
    void initialisationFollowsTheActivation() {
        assertEquals(Mlp.WeightInit.HE_UNIFORM, Mlp.WeightInit.forActivation("relu"));
        assertEquals(Mlp.WeightInit.HE_UNIFORM, Mlp.WeightInit.forActivation("gelu"));
        assertEquals(Mlp.WeightInit.XAVIER_UNIFORM, Mlp.WeightInit.forActivation("sigmoid"));
        Linear he = (Linear) Mlp.build(new int[] {100, 50, 2}, "relu", 0, false, new SplittableRandom(2), DType.FLOAT64).layers().get(0);
        double heBound = Math.sqrt(6.0 / 100);
        double max = 0;
        for (double v : he.weight().toDoubleArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= heBound && max > 0.95 * heBound, "He bound " + heBound + ", max " + max);
        for (double v : he.bias().toDoubleArray()) assertEquals(0.0, v);
        Linear xa = (Linear) Mlp.build(new int[] {100, 50, 2}, "tanh", 0, false, new SplittableRandom(2), DType.FLOAT64).layers().get(0);
        double xaBound = Math.sqrt(6.0 / 150);
        max = 0;
        for (double v : xa.weight().toDoubleArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= xaBound && max > 0.95 * xaBound, "Xavier bound " + xaBound + ", max " + max);
        // an explicit choice wins over the activation
        Linear n = (Linear) Mlp.build(new int[] {1000, 200, 2}, "relu", 0, false, Mlp.WeightInit.XAVIER_NORMAL,
                new SplittableRandom(3), DType.FLOAT64).layers().get(0);
        assertEquals(2.0 / 1200, n.weight().square().mean().item(), 1e-4);
        Linear t = (Linear) Mlp.build(new int[] {16, 4, 2}, "relu", 0, false, Mlp.WeightInit.PYTORCH_DEFAULT,
                new SplittableRandom(3), DType.FLOAT64).layers().get(0);
        for (double v : t.bias().toDoubleArray()) assertTrue(Math.abs(v) <= 0.25 && v != 0);
    }

    @Test
    void seededAndReinitialisable() {
        int[] sizes = {6, 5, 3};
        Sequential a = Mlp.build(sizes, "elu", 0.1, true, new SplittableRandom(4), DType.FLOAT32);
        Sequential b = Mlp.build(sizes, "elu", 0.1, true, new SplittableRandom(4), DType.FLOAT32);
        for (var e : a.namedParameters().entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), b.namedParameters().get(e.getKey()).toDoubleArray(), e.getKey());
        }
        Mlp.initialize(b, Mlp.WeightInit.AUTO, "elu", new SplittableRandom(99));
        double bound = Math.sqrt(6.0 / 6);
        for (double v : ((Linear) b.layers().get(0)).weight().toDoubleArray()) assertTrue(Math.abs(v) <= bound);
        for (double v : ((Linear) b.layers().get(0)).bias().toDoubleArray()) assertEquals(0.0, v);
    }

    @Test
    void badArgumentsThrow() {
        var rng = new SplittableRandom(1);
        assertEquals("Mlp: needs at least an input and an output size, got [4]",
                assertThrows(BackpropException.class, () -> Mlp.build(new int[] {4}, "relu", 0, false, rng, DType.FLOAT32)).getMessage());
        assertEquals("Mlp: layer sizes must be positive, got [4, 0, 2]",
                assertThrows(BackpropException.class, () -> Mlp.build(new int[] {4, 0, 2}, "relu", 0, false, rng, DType.FLOAT32)).getMessage());
        assertEquals("Mlp: dropout must be in [0, 1), got 1.0",
                assertThrows(BackpropException.class, () -> Mlp.build(new int[] {4, 2}, "relu", 1.0, false, rng, DType.FLOAT32)).getMessage());
        assertTrue(assertThrows(BackpropException.class, () -> Mlp.build(new int[] {4, 2}, "swish", 0, false, rng, DType.FLOAT32))
                .getMessage().startsWith("unknown activation 'swish'; valid: "));
    }
}
