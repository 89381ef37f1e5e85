package io.backprop4j.nn;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Inverted dropout. In training mode each element is kept with probability 1 - p and scaled by
 * 1 / (1 - p), so that the expected output equals the input:
 * <pre>
 *   y = x ⊙ m,   m_i = 1 / (1 - p) with probability 1 - p, else 0   (one fresh mask per call)
 * </pre>
 * The mask is drawn from the generator given to the constructor, element by element in row-major
 * order; the gradient flows through the same mask. In evaluation mode (see
 * {@link Module#evalScope()}) and for p = 0 it is the identity; p = 1 gives zeros.
 *
 * <pre>{@code
 * var drop = new Dropout(0.2, new SplittableRandom(7));
 * Tensor y = drop.forward(x);                  // training: about 20% zeros, the rest x / 0.8
 * try (var s = drop.evalScope()) { drop.forward(x); }   // returns x itself
 * }</pre>
 */
public final class Dropout extends Module {
    private final double p;
    private final RandomGenerator rng;

    /** @throws BackpropException unless 0 ≤ p ≤ 1 */
    public Dropout(double p, RandomGenerator rng) {
        if (!(p >= 0 && p <= 1)) throw new BackpropException("dropout probability has to be between 0 and 1, but got " + p);
        if (rng == null) throw new BackpropException("Dropout: the random generator is null");
        this.p = p;
        this.rng = rng;
    }

    /** The drop probability. */
    public double p() { return p; }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        return x.mul(mask(x.dtype(), x.shape()));
    }

    /** A fresh mask of 0 and 1 / (1 - p) values; used by forward. */
    private Tensor mask(DType dtype, int[] shape) {
        Tensor m = Tensor.zeros(dtype, shape);
        int n = m.numel();
        double scale = 1 / (1 - p);
        if (dtype == DType.FLOAT32) {
            float[] a = Storage.floats(m);
            float s = (float) scale;
            for (int i = 0; i < n; i++) a[i] = rng.nextDouble() < p ? 0f : s;
        } else {
            double[] a = Storage.doubles(m);
            for (int i = 0; i < n; i++) a[i] = rng.nextDouble() < p ? 0 : scale;
        }
        return m;
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
