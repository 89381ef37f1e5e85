package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.Storage;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Channel dropout, as PyTorch's {@code nn.Dropout2d}: in training mode each whole channel of each
 * sample is zeroed with probability p and the kept ones are scaled by 1 / (1 − p):
 * <pre>
 *   y[n, c, h, w] = x[n, c, h, w] · m[n, c],   m[n, c] = 1 / (1 − p) with probability 1 − p, else 0
 * </pre>
 * over [N, C, H, W] (or [C, H, W], one sample). Neighbouring pixels of a feature map are strongly
 * correlated, so dropping single pixels (as {@link Dropout} does) regularises little. The mask is
 * drawn from the generator given to the constructor, one draw per (n, c) in row-major order; the
 * gradient flows through the same mask. Evaluation mode and p = 0 give the identity.
 */
public final class Dropout2d extends Module {
    private final double p;
    private final RandomGenerator rng;

    /** @throws BackpropException unless 0 ≤ p ≤ 1 */
    public Dropout2d(double p, RandomGenerator rng) {
        if (!(p >= 0 && p <= 1)) throw new BackpropException("dropout probability has to be between 0 and 1, but got " + p);
        if (rng == null) throw new BackpropException("Dropout2d: the random generator is null");
        this.p = p;
        this.rng = rng;
    }

    /** The drop probability. */
    public double p() { return p; }

    @Override
    public Tensor forward(Tensor x) {
        int r = x.rank();
        if (r != 3 && r != 4) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape())
                    + " must be [batch, channels, height, width] (or one sample, [channels, height, width])");
        }
        if (!isTraining() || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        int[] maskShape = r == 4 ? new int[] {x.size(0), x.size(1), 1, 1} : new int[] {x.size(0), 1, 1};
        return x.mul(mask(x.dtype(), maskShape));
    }

    private Tensor mask(DType dtype, int[] shape) {
        Tensor m = Tensor.zeros(dtype, shape);
        int n = m.numel();
        double scale = 1 / (1 - p);
        if (dtype == DType.FLOAT32) {
            float[] a = Storage.floats(m);
            for (int i = 0; i < n; i++) a[i] = rng.nextDouble() < p ? 0f : (float) scale;
        } else {
            double[] a = Storage.doubles(m);
            for (int i = 0; i < n; i++) a[i] = rng.nextDouble() < p ? 0 : scale;
        }
        return m;
    }

    @Override
    public String toString() {
        return "Dropout2d(p=" + p + ")";
    }
}
