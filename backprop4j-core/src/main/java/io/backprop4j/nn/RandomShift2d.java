package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Image augmentation as a layer (as Keras' {@code RandomTranslation} and {@code RandomFlip}): in
 * training mode each sample of [N, C, H, W] is moved by (dy, dx), each drawn uniformly from
 * {−s, ..., s} (s = {@code maxShift}), and, with {@code flip}, mirrored left to right with
 * probability ½:
 * <pre>
 *   y[n, c, i, j] = x[n, c, i − dy, j' − dx]   (j' = W − 1 − j when sample n is flipped, else j)
 *                 = fill                          where i − dy or j' − dx falls outside the image
 * </pre>
 * The draws, per sample in order: dy, dx, then the flip; from the generator given to the
 * constructor (an {@link io.backprop4j.train.EpochRandom} makes them a function of (seed, epoch),
 * so a resumed run sees the same images). Evaluation mode gives the identity, so a saved model
 * predicts from unaltered images. It is for the data, at the start of a network: no gradient flows
 * back through it (an input that requires one is refused in training mode).
 *
 * <p>{@code fill} is the value of an empty pixel as the network sees it: 0 for raw images, and
 * {@code −mean/std} for images standardized by a single mean and std.
 */
public final class RandomShift2d extends Module {
    private final int maxShift;
    private final boolean flip;
    private final double fill;
    private final RandomGenerator rng;

    /** @throws BackpropException for a negative shift or a null generator */
    public RandomShift2d(int maxShift, boolean flip, double fill, RandomGenerator rng) {
        if (maxShift < 0) throw new BackpropException("RandomShift2d: max_shift must be >= 0, got " + maxShift);
        if (!Double.isFinite(fill)) throw new BackpropException("RandomShift2d: fill must be a finite number, got " + fill);
        if (rng == null) throw new BackpropException("RandomShift2d: the random generator is null");
        this.maxShift = maxShift;
        this.flip = flip;
        this.fill = fill;
        this.rng = rng;
    }

    public int maxShift() { return maxShift; }

    public boolean flip() { return flip; }

    public double fill() { return fill; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " must be [batch, channels, height, width]");
        }
        if (!isTraining() || (maxShift == 0 && !flip)) return x;
        if (x.requiresGrad()) {
            throw new BackpropException(this + ": the input requires a gradient; augmentation belongs at the start of a network, on the data");
        }
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        double[] a = x.toDoubleArray();
        double[] out = new double[a.length];
        int plane = h * w, span = 2 * maxShift + 1;
        for (int s = 0; s < n; s++) {
            int dy = maxShift == 0 ? 0 : rng.nextInt(span) - maxShift;
            int dx = maxShift == 0 ? 0 : rng.nextInt(span) - maxShift;
            boolean mirror = flip && rng.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                int base = (s * c + ch) * plane;
                for (int i = 0; i < h; i++) {
                    int si = i - dy;
                    for (int j = 0; j < w; j++) {
                        int sj = (mirror ? w - 1 - j : j) - dx;
                        out[base + i * w + j] = si < 0 || si >= h || sj < 0 || sj >= w ? fill : a[base + si * w + sj];
                    }
                }
            }
        }
        return Tensor.of(out, x.shape()).to(x.dtype());
    }

    @Override
    public String toString() {
        return "RandomShift2d(max_shift=" + maxShift + ", flip=" + flip + (fill == 0 ? "" : ", fill=" + fill) + ")";
    }
}
