package io.backprop4j.tensor;

/**
 * The fused primitives that layers and losses are built on, as plain functions (PyTorch's
 * {@code torch.nn.functional}). Each is one recorded op with its own backward, faster and more
 * stable than the same formula composed from elementwise ops. Most code calls them through
 * {@code io.backprop4j.nn.Linear} and {@code io.backprop4j.loss.Losses}.
 */
public final class Functional {
    private Functional() {}

    /**
     * The affine map of a dense layer: y = x W + b, x [n, in], W [in, out], b [out] or null,
     * y [n, out]. Backward: dx = g Wᵀ, dW = xᵀ g, db = Σ_rows g.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        need(x, "linear", "input");
        need(weight, "linear", "weight");
        return LinearOp.apply(x, weight, bias);
    }

    /**
     * Binary cross-entropy on probabilities p in [0, 1] against targets y of the same shape, mean
     * over all N elements: -(1/N) Σ [y ln p + (1-y) ln(1-p)], each log clamped at -100 (PyTorch's
     * BCELoss). A 0-dimensional result.
     */
    public static Tensor binaryCrossEntropy(Tensor probabilities, Tensor target) {
        need(probabilities, "binary_cross_entropy", "probabilities");
        need(target, "binary_cross_entropy", "target");
        return BinaryCrossEntropyOp.apply(probabilities, target);
    }

    /** Binary cross-entropy on logits x: the same as on σ(x), computed stably; mean over all elements. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target) {
        need(logits, "binary_cross_entropy_with_logits", "logits");
        need(target, "binary_cross_entropy_with_logits", "target");
        return BinaryCrossEntropyWithLogitsOp.apply(logits, target);
    }

    /** Cross-entropy on logits [n, k] with one class index per row: -(1/n) Σ_i log softmax(x_i)[c_i]. */
    public static Tensor crossEntropy(Tensor logits, int[] classes) {
        need(logits, "cross_entropy", "logits");
        need(classes, "cross_entropy", "classes");
        return SoftmaxCrossEntropyOp.apply(logits, classes);
    }

    /**
     * Cross-entropy on logits [n, k] against an int64 tensor of class indices [n] (as {@link
     * #crossEntropy(Tensor, int[])}), or probability rows y [n, k] as targets:
     * -(1/n) Σ_i Σ_k y_ik log softmax(x_i)_k.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        need(logits, "cross_entropy", "logits");
        need(target, "cross_entropy", "target");
        if (target.dtype() == DType.INT64) {
            if (target.rank() != 1) throw new io.backprop4j.ShapeException("cross_entropy: class indices must be 1-D [n], got " + Shapes.str(target.shape()));
            return SoftmaxCrossEntropyOp.apply(logits, target.toIntArray());
        }
        return SoftmaxCrossEntropyOp.apply(logits, target);
    }

    /** Negative log-likelihood of log-probabilities [n, k] at class indices: -(1/n) Σ_i x[i, c_i]. */
    public static Tensor nllLoss(Tensor logProbabilities, int[] classes) {
        need(logProbabilities, "nll_loss", "log-probabilities");
        need(classes, "nll_loss", "classes");
        return NllLossOp.apply(logProbabilities, classes);
    }

    /**
     * The gradient of softmax at the output {@code s} along {@code dim}, given the gradient
     * {@code g} from above: s ⊙ (g − Σ_j g_j s_j), the Jacobian diag(s) − s sᵀ applied to g. The
     * backward of {@link Tensor#softmax} uses it; so can a worked solution whose outputs were
     * written by hand (and may not sum to 1). Not recorded.
     */
    public static Tensor softmaxBackward(Tensor g, Tensor s, int dim) {
        need(g, "softmax_backward", "gradient");
        need(s, "softmax_backward", "output");
        if (!g.sameShape(s)) {
            throw new io.backprop4j.ShapeException("softmax_backward: gradient " + Shapes.str(g.shape()) + " and output "
                    + Shapes.str(s.shape()) + " differ in shape");
        }
        Loops.sameDType("softmax_backward", g, s);
        return SoftmaxOp.backward(g, s, Shapes.axis("softmax_backward", dim, Math.max(s.rank(), 1)));
    }

    private static void need(Object value, String op, String what) {
        if (value == null) throw new io.backprop4j.BackpropException(op + ": " + what + " is null");
    }
}
