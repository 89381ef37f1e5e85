package io.backprop4j.optim;

import io.backprop4j.internal.Storage;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/**
 * Adagrad (Duchi et al., 2011), as PyTorch's {@code torch.optim.Adagrad}. For each parameter p
 * with gradient g, at its t-th update (t from 1):
 * <pre>
 *   η_t = η / (1 + (t - 1) δ)                     (learning-rate decay δ)
 *   g   = g + λ p                                 (L2 weight decay λ)
 *   S   = S + g²                                  (S starts at the initial accumulator value)
 *   p   = p - η_t g / (√S + ε)
 * </pre>
 * Defaults: η = 0.01, δ = 0, λ = 0, initial accumulator 0, ε = 1e-10. The loop runs in place
 * over the raw arrays, with no temporaries.
 *
 * <p>State: "i.sum" (S), "i.step".
 */
public final class Adagrad extends BaseOptimizer {
    private final double lrDecay, weightDecay, initialAccumulator, eps;

    /** Adagrad with the defaults: no lr decay, no weight decay, accumulator from 0, eps 1e-10. */
    public Adagrad(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, 1e-10);
    }

    /**
     * @throws io.backprop4j.BackpropException for lr ≤ 0 or a negative lr decay, weight decay,
     *     initial accumulator value or eps ("invalid lr_decay value: -1.0 ...")
     */
    public Adagrad(List<Parameter> params, double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps) {
        ParamState.checkLearningRate(lr);
        ParamState.checkNonNegative("lr_decay", lrDecay);
        ParamState.checkNonNegative("weight_decay", weightDecay);
        ParamState.checkNonNegative("initial_accumulator_value", initialAccumulatorValue);
        ParamState.checkNonNegative("epsilon", eps);
        super("Adagrad", params, lr, true, "sum");
        this.lrDecay = lrDecay;
        this.weightDecay = weightDecay;
        this.initialAccumulator = initialAccumulatorValue;
        this.eps = eps;
    }

    @Override
    void updateParameter(int i, Tensor w, Tensor g) {
        long t = state.nextStep(i);
        double clr = lr / (1 + (t - 1) * lrDecay);
        Tensor sum = state.ensure(0, i, initialAccumulator);
        int n = w.numel();
        if (ParamState.isFloat(w)) {
            update(Storage.floats(w), w.offset(), Storage.floats(g), g.offset(), Storage.floats(sum), n, (float) clr);
        } else {
            update(Storage.doubles(w), w.offset(), Storage.doubles(g), g.offset(), Storage.doubles(sum), n, clr);
        }
    }

    // Same operation order as torch 1.13's _single_tensor_adagrad.
    private void update(double[] p, int po, double[] g, int go, double[] sum, int n, double clr) {
        double negClr = -clr;
        for (int k = 0; k < n; k++) {
            double pk = p[po + k], gk = g[go + k];
            if (weightDecay != 0) gk = gk + weightDecay * pk;
            double s = sum[k] + gk * gk;
            sum[k] = s;
            double std = Math.sqrt(s) + eps;
            p[po + k] = pk + negClr * gk / std;
        }
    }

    private void update(float[] p, int po, float[] g, int go, float[] sum, int n, float clr) {
        float negClr = -clr, wd = (float) weightDecay, e = (float) eps;
        for (int k = 0; k < n; k++) {
            float pk = p[po + k], gk = g[go + k];
            if (weightDecay != 0) gk = gk + wd * pk;
            float s = sum[k] + gk * gk;
            sum[k] = s;
            float std = (float) Math.sqrt(s) + e;
            p[po + k] = pk + negClr * gk / std;
        }
    }

    @Override
    public String toString() {
        return "Adagrad(lr=" + lr + ", lr_decay=" + lrDecay + ", weight_decay=" + weightDecay
                + ", initial_accumulator_value=" + initialAccumulator + ", eps=" + eps + ")";
    }
}
