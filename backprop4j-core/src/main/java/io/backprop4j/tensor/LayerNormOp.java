package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Sequences;

/**
 * Layer normalisation over the last dim (size D) of x [..., D], as PyTorch's layer_norm with
 * normalized_shape [D]: y = (x − μ)·ρ·γ + β per row, μ the row's mean, ρ = 1/√(σ² + ε) with σ²
 * the biased variance; γ, β [D] may be null (1 and 0). Backward, with x̂ = (x − μ)·ρ:
 * dx = ρ·(gγ − mean(gγ) − x̂·mean(gγ·x̂)), dγ = Σ g·x̂, dβ = Σ g (sums over the rows). The
 * kernels are {@link Sequences}'.
 */
record LayerNormOp(Tensor x, Tensor weight, Tensor bias, double[] mean, double[] rstd) implements Primitive {
    static Tensor apply(Tensor x, Tensor weight, Tensor bias, double eps) {
        if (x.rank() < 1) throw new ShapeException("layer_norm: input must have at least one dim, got " + Shapes.str(x.shape()));
        if (!x.dtype().isFloatingPoint()) {
            throw new BackpropException("layer_norm: input is " + x.dtype() + "; convert it with .to(DType.FLOAT32)");
        }
        int d = x.size(-1);
        for (Tensor t : new Tensor[] {weight, bias}) {
            if (t == null) continue;
            Loops.sameDType("layer_norm", x, t);
            if (t.rank() != 1 || t.size(0) != d) {
                throw new ShapeException("layer_norm: input " + Shapes.str(x.shape()) + " is normalised over its last " + d
                        + " values, but a weight or bias has shape " + Shapes.str(t.shape()) + "; expected [" + d + "]");
            }
        }
        if (!(eps > 0)) throw new BackpropException("layer_norm: eps must be > 0, got " + eps);
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor xc = x.contiguousData();
        Tensor w = weight == null ? null : weight.contiguousData(), b = bias == null ? null : bias.contiguousData();
        double[] mean = new double[rows], rstd = new double[rows];
        Tensor y = Recycler.uninitialized(x.dtype(), x.shape());   // every row written by the kernel
        if (x.dtype() == DType.FLOAT32) {
            Sequences.layerNorm(rows, d, xc.floatArray(), xc.offset(), w == null ? null : w.floatArray(), w == null ? 0 : w.offset(),
                    b == null ? null : b.floatArray(), b == null ? 0 : b.offset(), eps, y.floatArray(), mean, rstd);
        } else {
            Sequences.layerNorm(rows, d, xc.doubleArray(), xc.offset(), w == null ? null : w.doubleArray(), w == null ? 0 : w.offset(),
                    b == null ? null : b.doubleArray(), b == null ? 0 : b.offset(), eps, y.doubleArray(), mean, rstd);
        }
        return Autograd.record(y, new LayerNormOp(x, weight, bias, mean, rstd));
    }

    public Tensor[] inputs() { return new Tensor[] {x, weight, bias}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {x, weight}; }

    public Tensor[] backward(Tensor g) {
        return Recycler.readOnce(g, false, this::gradients);
    }

    /** The engine's own g: its storage goes to the {@link Recycler} once read (no gradient shares it). */
    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return Recycler.readOnce(g, true, this::gradients);
    }

    /** dx, dγ, dβ from the contiguous gc. */
    private Tensor[] gradients(Tensor gc) {
        int d = x.size(-1), rows = mean.length;
        Tensor xc = x.contiguousData();
        Tensor w = weight == null ? null : weight.contiguousData();
        Tensor dx = x.requiresGrad() ? Recycler.uninitialized(x.dtype(), x.shape()) : null;   // every row written by the kernel
        double[] dw = weight != null && weight.requiresGrad() ? new double[d] : null;
        double[] db = bias != null && bias.requiresGrad() ? new double[d] : null;
        if (x.dtype() == DType.FLOAT32) {
            Sequences.layerNormBackward(rows, d, xc.floatArray(), xc.offset(), gc.floatArray(), gc.offset(),
                    w == null ? null : w.floatArray(), w == null ? 0 : w.offset(), mean, rstd, dx == null ? null : dx.floatArray(), dw, db);
        } else {
            Sequences.layerNormBackward(rows, d, xc.doubleArray(), xc.offset(), gc.doubleArray(), gc.offset(),
                    w == null ? null : w.doubleArray(), w == null ? 0 : w.offset(), mean, rstd, dx == null ? null : dx.doubleArray(), dw, db);
        }
        return new Tensor[] {dx,
            dw == null ? null : Tensor.of(dw, d).to(weight.dtype()),
            db == null ? null : Tensor.of(db, d).to(bias.dtype())};
    }
}
