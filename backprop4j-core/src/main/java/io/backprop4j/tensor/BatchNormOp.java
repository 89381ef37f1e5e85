package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Normalization;

/**
 * Batch normalisation over x [N, C, *] per channel c (its M = N·S values, S the positions after
 * dim 1), as PyTorch's batch_norm:
 * <pre>
 *   y = (x − μ_c) · invstd_c · γ_c + β_c,   invstd_c = 1 / √(σ²_c + ε)
 * </pre>
 * with μ and σ² the batch's mean and biased variance ({@code batchStats}; the running statistics
 * are then updated by the caller) or given fixed statistics (evaluation). γ and β may be null
 * (1 and 0). Backward, with x̂ = (x − μ)·invstd: dγ = Σ g·x̂, dβ = Σ g, and dx =
 * (g − Σg/M − x̂·Σ(g·x̂)/M)·invstd·γ for batch statistics (their own gradient included), g·invstd·γ
 * for fixed ones. The kernels are {@link Normalization}'s.
 */
record BatchNormOp(Tensor x, Tensor weight, Tensor bias, double[] mean, double[] invstd, boolean batchStats) implements Primitive {

    /**
     * Normalises x with the batch's statistics ({@code runningMean} null or updated in place:
     * r = (1 − momentum)·r + momentum·μ, and the running variance with the unbiased σ²·M/(M − 1))
     * or, when {@code !training}, with the running statistics.
     */
    static Tensor apply(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                        double momentum, double eps) {
        if (x.rank() < 2) {
            throw new ShapeException("batch_norm: input must be [batch, channels, ...], got " + Shapes.str(x.shape()));
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new BackpropException("batch_norm: input is " + x.dtype() + "; convert it with .to(DType.FLOAT32)");
        }
        int n = x.size(0), c = x.size(1), plane = n == 0 || c == 0 ? 0 : x.numel() / (n * c);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t == null) continue;
            Loops.sameDType("batch_norm", x, t);
            if (t.rank() != 1 || t.size(0) != c) {
                throw new ShapeException("batch_norm: input " + Shapes.str(x.shape()) + " has " + c + " channels, but a weight, bias or"
                        + " running statistic has shape " + Shapes.str(t.shape()) + "; expected [" + c + "]");
            }
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new BackpropException("batch_norm: evaluation needs the running mean and variance");
        }
        if (training && (long) n * plane < 2) {
            throw new BackpropException("batch_norm: expected more than 1 value per channel when training, got input of shape "
                    + Shapes.str(x.shape()));
        }
        if (!(eps > 0)) throw new BackpropException("batch_norm: eps must be > 0, got " + eps);
        Tensor xc = x.contiguousData();
        double[] mean = new double[c], invstd = new double[c];
        boolean f32 = x.dtype() == DType.FLOAT32;
        if (training) {
            double[] var = new double[c];
            if (f32) Normalization.stats(n, c, plane, xc.floatArray(), xc.offset(), mean, var);
            else Normalization.stats(n, c, plane, xc.doubleArray(), xc.offset(), mean, var);
            for (int i = 0; i < c; i++) invstd[i] = 1 / Math.sqrt(var[i] + eps);
            if (runningMean != null) update(runningMean, mean, momentum, 1);
            if (runningVar != null) update(runningVar, var, momentum, (double) n * plane / ((double) n * plane - 1));
        } else {
            for (int i = 0; i < c; i++) {
                mean[i] = runningMean.getFlat(i);
                invstd[i] = 1 / Math.sqrt(runningVar.getFlat(i) + eps);
            }
        }
        Tensor w = weight == null ? null : weight.contiguousData(), b = bias == null ? null : bias.contiguousData();
        Tensor y = Tensor.zeros(x.dtype(), x.shape());
        if (f32) {
            Normalization.forward(n, c, plane, xc.floatArray(), xc.offset(), mean, invstd, w == null ? null : w.floatArray(),
                    w == null ? 0 : w.offset(), b == null ? null : b.floatArray(), b == null ? 0 : b.offset(), y.floatArray());
        } else {
            Normalization.forward(n, c, plane, xc.doubleArray(), xc.offset(), mean, invstd, w == null ? null : w.doubleArray(),
                    w == null ? 0 : w.offset(), b == null ? null : b.doubleArray(), b == null ? 0 : b.offset(), y.doubleArray());
        }
        return Autograd.record(y, new BatchNormOp(x, weight, bias, mean, invstd, training));
    }

    /** r = (1 − momentum)·r + momentum·(factor·value), in place (a buffer: not recorded, its version counted). */
    private static void update(Tensor r, double[] value, double momentum, double factor) {
        if (r.requiresGrad()) throw new BackpropException("batch_norm: the running statistics must not require grad");
        for (int i = 0; i < value.length; i++) {
            r.setFlat(i, (1 - momentum) * r.getFlat(i) + momentum * value[i] * factor);
        }
    }

    public Tensor[] inputs() { return new Tensor[] {x, weight, bias}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {x, weight}; }

    public Tensor[] backward(Tensor g) {
        int n = x.size(0), c = x.size(1), plane = n == 0 || c == 0 ? 0 : x.numel() / (n * c);
        Tensor xc = x.contiguousData(), gc = g.contiguousData();
        Tensor w = weight == null ? null : weight.contiguousData();
        Tensor dx = x.requiresGrad() ? Tensor.zeros(x.dtype(), x.shape()) : null;
        double[] dGamma = weight != null && weight.requiresGrad() ? new double[c] : null;
        double[] dBeta = bias != null && bias.requiresGrad() ? new double[c] : null;
        if (x.dtype() == DType.FLOAT32) {
            Normalization.backward(n, c, plane, xc.floatArray(), xc.offset(), gc.floatArray(), gc.offset(), mean, invstd,
                    w == null ? null : w.floatArray(), w == null ? 0 : w.offset(), batchStats, dx == null ? null : dx.floatArray(), dGamma, dBeta);
        } else {
            Normalization.backward(n, c, plane, xc.doubleArray(), xc.offset(), gc.doubleArray(), gc.offset(), mean, invstd,
                    w == null ? null : w.doubleArray(), w == null ? 0 : w.offset(), batchStats, dx == null ? null : dx.doubleArray(), dGamma, dBeta);
        }
        return new Tensor[] {dx,
            dGamma == null ? null : Tensor.of(dGamma, c).to(weight.dtype()),
            dBeta == null ? null : Tensor.of(dBeta, c).to(bias.dtype())};
    }
}
