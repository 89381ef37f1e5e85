package io.backprop4j.optim;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/** Gradient clipping, applied between {@code backward()} and {@code optimizer.step()}. */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales all gradients together so that their joint L2 norm is at most {@code maxNorm}, as
     * PyTorch's {@code clip_grad_norm_}:
     * <pre>
     *   N = ‖(‖g₁‖₂, ‖g₂‖₂, ...)‖₂                     (parameters without a gradient are left out)
     *   c = min(maxNorm / (N + 1e-6), 1)
     *   gᵢ = c gᵢ                                     (always, also when c = 1)
     * </pre>
     * The gradients are modified in place. Sums of squares are accumulated in double.
     *
     * @return N, the norm before clipping (infinite or NaN when a gradient is; then the
     *     gradients are scaled by NaN or 0 as in PyTorch)
     * @throws BackpropException for a negative or NaN maxNorm
     */
    public static double clipByNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm >= 0)) throw new BackpropException("clipByNorm: invalid max norm: " + maxNorm + " (must be >= 0)");
        double sumOfNorms2 = 0;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            double n = Math.sqrt(sumOfSquares(g));
            sumOfNorms2 += n * n;
        }
        double total = Math.sqrt(sumOfNorms2);
        double coef = Math.min(maxNorm / (total + 1e-6), 1.0);
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g != null) scale(g, coef);
        }
        return total;
    }

    /** The joint L2 norm of the gradients, without changing them. */
    public static double gradNorm(List<Parameter> params) {
        double s = 0;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            double n = Math.sqrt(sumOfSquares(g));
            s += n * n;
        }
        return Math.sqrt(s);
    }

    private static double sumOfSquares(Tensor g) {
        Tensor c = g.contiguousData();
        int n = c.numel(), o = c.offset();
        double s = 0;
        if (c.dtype() == DType.FLOAT32) {
            float[] a = Storage.floats(c);
            for (int i = 0; i < n; i++) { double v = a[o + i]; s += v * v; }
        } else {
            double[] a = Storage.doubles(c);
            for (int i = 0; i < n; i++) s += a[o + i] * a[o + i];
        }
        return s;
    }

    private static void scale(Tensor g, double coef) {
        if (!g.isContiguous()) {
            g.mulInPlace(coef);
            return;
        }
        int n = g.numel(), o = g.offset();
        if (g.dtype() == DType.FLOAT32) {
            float[] a = Storage.floats(g);
            float c = (float) coef;
            for (int i = 0; i < n; i++) a[o + i] *= c;
        } else {
            double[] a = Storage.doubles(g);
            for (int i = 0; i < n; i++) a[o + i] *= coef;
        }
    }
}
