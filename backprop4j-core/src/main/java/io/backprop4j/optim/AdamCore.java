package io.backprop4j.optim;

import io.backprop4j.internal.Storage;
import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.internal.kernel.VectorMath;
import io.backprop4j.tensor.Tensor;

/**
 * The checks, update loop and state buffers shared by {@link Adam} (L2 weight decay) and {@link
 * AdamW} (decoupled). The parameters, learning rate and state belong to the optimiser ({@link
 * BaseOptimizer}); this holds the hyper-parameters.
 */
final class AdamCore {
    private final ParamState state;
    final double beta1, beta2, eps, weightDecay;
    final boolean amsgrad, decoupled;

    /** The constructor checks of Adam and AdamW, in this order. */
    static void check(double lr, double beta1, double beta2, double eps, double weightDecay) {
        ParamState.checkLearningRate(lr);
        ParamState.checkNonNegative("epsilon", eps);
        ParamState.checkBeta(0, beta1);
        ParamState.checkBeta(1, beta2);
        ParamState.checkNonNegative("weight_decay", weightDecay);
    }

    /** The state buffers, in slot order: "exp_avg", "exp_avg_sq" and, with amsgrad, "max_exp_avg_sq". */
    static String[] bufferNames(boolean amsgrad) {
        return amsgrad ? new String[] {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"} : new String[] {"exp_avg", "exp_avg_sq"};
    }

    /** Over the optimiser's state (built with {@link #bufferNames}); arguments already checked. */
    AdamCore(ParamState state, double beta1, double beta2, double eps, double weightDecay,
             boolean amsgrad, boolean decoupled) {
        this.state = state;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
        this.decoupled = decoupled;
    }

    /** Updates parameter i at learning rate lr, as {@link BaseOptimizer#updateParameter}. */
    void updateParameter(int i, Tensor w, Tensor g, double lr) {
        long t = state.nextStep(i);
        Tensor m = state.ensure(0, i, 0), v = state.ensure(1, i, 0), vmax = amsgrad ? state.ensure(2, i, 0) : null;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        double stepSize = lr / bc1;
        double bc2Sqrt = Math.sqrt(bc2);
        int n = w.numel();
        // Each element's update is independent, so large tensors are split between the pool's
        // threads with the same result, bit for bit; their four arrays outgrow one core's L2.
        if (ParamState.isFloat(w)) {
            float[] pa = Storage.floats(w), ga = Storage.floats(g), ma = Storage.floats(m), va = Storage.floats(v);
            float[] vm = vmax == null ? null : Storage.floats(vmax);
            int po = w.offset(), go = g.offset();
            Parallel.forRange(n, PARALLEL_GRAIN, (from, to) ->
                    update(pa, po, ga, go, ma, va, vm, from, to, (float) stepSize, (float) bc2Sqrt, lr));
        } else {
            double[] pa = Storage.doubles(w), ga = Storage.doubles(g), ma = Storage.doubles(m), va = Storage.doubles(v);
            double[] vm = vmax == null ? null : Storage.doubles(vmax);
            int po = w.offset(), go = g.offset();
            Parallel.forRange(n, PARALLEL_GRAIN, (from, to) ->
                    update(pa, po, ga, go, ma, va, vm, from, to, stepSize, bc2Sqrt, lr));
        }
    }

    /** Elements per thread below which a parameter is updated on the calling thread (64 Ki: 256 KiB per float array). */
    private static final int PARALLEL_GRAIN = BaseOptimizer.SMALL_PARAMETER;

    // Same operation order as torch 1.13's _single_tensor_adam / _single_tensor_adamw.
    // twin: float32 source
    /** Elements [from, to) of one parameter. */
    private void update(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int from, int to,
                        float stepSize, float bc2Sqrt, double lr) {
        float decay = (float) (1 - lr * weightDecay), l2 = decoupled ? 0f : (float) weightDecay;
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
        float e = (float) eps, negStep = -stepSize;
        boolean decoupledDecay = decoupled && weightDecay != 0;
        // Whole vectors first, with the same operations in the same order (bit-identical to the loop below).
        int k = vmax != null ? from
                : VectorMath.adam(p, po, g, go, m, v, from, to, decay, l2, b1, b2, c1, c2, bc2Sqrt, e, negStep, decoupledDecay);
        for (; k < to; k++) {
            float pk = p[po + k], gk = g[go + k];
            if (decoupledDecay) pk = pk * decay;
            if (l2 != 0) gk = gk + l2 * pk;
            float mk = m[k] * b1 + c1 * gk;
            float vk = v[k] * b2 + c2 * gk * gk;
            m[k] = mk;
            v[k] = vk;
            if (vmax != null) {
                vk = Math.max(vmax[k], vk);
                vmax[k] = vk;
            }
            float denom = (float) Math.sqrt(vk) / bc2Sqrt + e;
            p[po + k] = pk + negStep * mk / denom;
        }
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /** Elements [from, to) of one parameter. */
    private void update(double[] p, int po, double[] g, int go, double[] m, double[] v, double[] vmax, int from, int to,
                        double stepSize, double bc2Sqrt, double lr) {
        double decay = (double) (1 - lr * weightDecay), l2 = decoupled ? 0d : (double) weightDecay;
        double b1 = (double) beta1, b2 = (double) beta2, c1 = (double) (1 - beta1), c2 = (double) (1 - beta2);
        double e = (double) eps, negStep = -stepSize;
        boolean decoupledDecay = decoupled && weightDecay != 0;
        // Whole vectors first, with the same operations in the same order (bit-identical to the loop below).
        int k = vmax != null ? from
                : VectorMath.adam(p, po, g, go, m, v, from, to, decay, l2, b1, b2, c1, c2, bc2Sqrt, e, negStep, decoupledDecay);
        for (; k < to; k++) {
            double pk = p[po + k], gk = g[go + k];
            if (decoupledDecay) pk = pk * decay;
            if (l2 != 0) gk = gk + l2 * pk;
            double mk = m[k] * b1 + c1 * gk;
            double vk = v[k] * b2 + c2 * gk * gk;
            m[k] = mk;
            v[k] = vk;
            if (vmax != null) {
                vk = Math.max(vmax[k], vk);
                vmax[k] = vk;
            }
            double denom = (double) Math.sqrt(vk) / bc2Sqrt + e;
            p[po + k] = pk + negStep * mk / denom;
        }
    }
    // twin: end

    /** The state buffer NAME of parameter i, or null. */
    Tensor buffer(String name, int i) {
        return switch (name) {
            case "exp_avg" -> state.get(0, i);
            case "exp_avg_sq" -> state.get(1, i);
            case "max_exp_avg_sq" -> amsgrad ? state.get(2, i) : null;
            default -> null;
        };
    }

    /** "NAME(lr=..., betas=(...), eps=..., weight_decay=..., amsgrad=...)". */
    String describe(String who, double lr) {
        return who + "(lr=" + lr + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay=" + weightDecay
                + ", amsgrad=" + amsgrad + ")";
    }
}
