package io.backprop4j.nn;

import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Weight initialisers; each fills a tensor in place from the given generator and returns it.
 * They work inside a no-grad scope, as PyTorch's {@code nn.init} does, so that parameters (which
 * require grad) can be filled.
 * fanIn and fanOut are read from a [in, out] weight: fanIn = shape[0], fanOut = shape[1].
 */
public final class Init {
    private Init() {}

    /** U(low, high). */
    public static Tensor uniform(Tensor t, double low, double high, RandomGenerator rng) {
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = low + (high - low) * rng.nextDouble();
        return fill(t, v);
    }

    /** N(mean, std²). */
    public static Tensor normal(Tensor t, double mean, double std, RandomGenerator rng) {
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = mean + std * rng.nextGaussian();
        return fill(t, v);
    }

    private static Tensor fill(Tensor t, double[] values) {
        try (var g = NoGrad.enter()) {
            return t.copy_(Tensor.of(values, t.shape()));
        }
    }

    /** Every element = value. */
    public static Tensor constant(Tensor t, double value) {
        try (var g = NoGrad.enter()) {
            return t.fill_(value);
        }
    }

    /** Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))). For tanh, sigmoid, softmax layers. */
    public static Tensor xavierUniform(Tensor t, RandomGenerator rng) {
        double a = Math.sqrt(6.0 / (fanIn(t) + fanOut(t)));
        return uniform(t, -a, a, rng);
    }

    /** Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)). */
    public static Tensor xavierNormal(Tensor t, RandomGenerator rng) {
        return normal(t, 0, Math.sqrt(2.0 / (fanIn(t) + fanOut(t))), rng);
    }

    /** He/Kaiming uniform for ReLU: U(±√(6 / fanIn)). */
    public static Tensor heUniform(Tensor t, RandomGenerator rng) {
        double a = Math.sqrt(6.0 / fanIn(t));
        return uniform(t, -a, a, rng);
    }

    /** He/Kaiming normal for ReLU: N(0, 2 / fanIn). */
    public static Tensor heNormal(Tensor t, RandomGenerator rng) {
        return normal(t, 0, Math.sqrt(2.0 / fanIn(t)), rng);
    }

    private static int fanIn(Tensor t) {
        return t.rank() == 0 ? 1 : t.size(0);
    }

    private static int fanOut(Tensor t) {
        return t.rank() < 2 ? 1 : t.numel() / t.size(0);
    }
}
