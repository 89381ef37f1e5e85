package io.backprop4j.loss;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Loss functions. Each returns a 0-dimensional tensor ready for {@code backward()}.
 *
 * <table>
 * <caption>Losses, with N the element count and n the row (sample) count</caption>
 * <tr><th>method</th><th>formula</th></tr>
 * <tr><td>{@link #mse}</td><td>(1/N) Σ (p - y)²</td></tr>
 * <tr><td>{@link #binaryCrossEntropy}</td><td>-(1/N) Σ [y ln p + (1-y) ln(1-p)], logs clamped at -100 (PyTorch's BCELoss)</td></tr>
 * <tr><td>{@link #binaryCrossEntropyWithLogits}</td><td>the same on σ(x), computed stably</td></tr>
 * <tr><td>{@link #crossEntropyProbs}</td><td>-(1/n) Σ_i Σ_k y_ik ln p_ik on probabilities</td></tr>
 * <tr><td>{@link #crossEntropy(Tensor, int[])}</td><td>-(1/n) Σ_i log softmax(x_i)[c_i] on logits, class indices</td></tr>
 * <tr><td>{@link #crossEntropy(Tensor, Tensor)}</td><td>-(1/n) Σ_i Σ_k y_ik log softmax(x_i)_k on logits, probability targets</td></tr>
 * <tr><td>{@link #nll}</td><td>-(1/n) Σ_i x[i, c_i] on log-probabilities</td></tr>
 * </table>
 */
public final class Losses {
    private Losses() {}

    /** Mean squared error over all elements; prediction and target have one shape. */
    public static Tensor mse(Tensor prediction, Tensor target) {
        need("mse", prediction, "prediction", target, "target");
        sameShape("mse", prediction, target);
        return prediction.sub(target).square().mean();
    }

    /** Binary cross-entropy on probabilities in [0, 1], mean over all elements. */
    public static Tensor binaryCrossEntropy(Tensor probabilities, Tensor target) {
        need("binaryCrossEntropy", probabilities, "probabilities", target, "target");
        return Functional.binaryCrossEntropy(probabilities, target);
    }

    /** Binary cross-entropy on logits (sigmoid fused in, numerically stable), mean over all elements. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target) {
        need("binaryCrossEntropyWithLogits", logits, "logits", target, "target");
        return Functional.binaryCrossEntropyWithLogits(logits, target);
    }

    /**
     * Cross-entropy on probabilities: -Σ_k y_k ln p_k per sample (the last dim), mean over samples.
     * A 1-D input is one sample.
     */
    public static Tensor crossEntropyProbs(Tensor probabilities, Tensor target) {
        need("crossEntropyProbs", probabilities, "probabilities", target, "target");
        sameShape("cross_entropy", probabilities, target);
        double[] v = probabilities.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > 1) {
                throw new BackpropException("cross_entropy: the probability at " + Shapes.position(probabilities.shape(), i) + " is "
                        + v[i] + "; probabilities must lie in [0, 1] (apply softmax first, or use crossEntropy on raw scores)");
            }
        }
        Tensor perSample = target.mul(probabilities.log()).sum(-1, false).neg();
        return perSample.rank() == 0 ? perSample : perSample.mean();
    }

    /** Cross-entropy on logits [n, k] with one class index per row (log-softmax fused in). */
    public static Tensor crossEntropy(Tensor logits, int[] classes) {
        need("crossEntropy", logits, "logits", classes, "classes");
        return Functional.crossEntropy(logits, classes);
    }

    /** Cross-entropy on logits [n, k] against int64 class indices [n], or probability rows [n, k] as targets. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        need("crossEntropy", logits, "logits", target, "target");
        return Functional.crossEntropy(logits, target);
    }

    /**
     * Cross-entropy on logits [.., k] against int64 class indices [..] with PyTorch's
     * {@code ignore_index}: positions at {@code ignoreIndex} (padding, such as
     * {@code CharWindows.IGNORE}) are left out of the mean.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, int ignoreIndex) {
        need("crossEntropy", logits, "logits", target, "target");
        return Functional.crossEntropy(logits, target, ignoreIndex);
    }

    /** Negative log-likelihood of log-probabilities [n, k] at class indices. */
    public static Tensor nll(Tensor logProbabilities, int[] classes) {
        need("nll", logProbabilities, "logProbabilities", classes, "classes");
        return Functional.nllLoss(logProbabilities, classes);
    }

    private static void need(String op, Object a, String aName, Object b, String bName) {
        if (a == null) throw new BackpropException(op + ": " + aName + " is null");
        if (b == null) throw new BackpropException(op + ": " + bName + " is null");
    }

    private static void sameShape(String op, Tensor p, Tensor y) {
        if (!java.util.Arrays.equals(p.shape(), y.shape())) {
            throw new ShapeException(op + ": prediction " + Shapes.str(p.shape()) + " and target "
                    + Shapes.str(y.shape()) + " differ in shape");
        }
    }
}
