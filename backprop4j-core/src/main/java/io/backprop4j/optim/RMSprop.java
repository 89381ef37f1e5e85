package io.backprop4j.optim;

import io.backprop4j.internal.Storage;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * RMSprop (Hinton), as PyTorch's {@code torch.optim.RMSprop}. For each parameter p with gradient g:
 * <pre>
 *   g  = g + λ p                                  (L2 weight decay λ)
 *   s  = α s + (1 - α) g²                         (square average)
 *   a  = α a + (1 - α) g,  d = √(s - a²) + ε      when centered
 *   d  = √s + ε                                   otherwise (ε outside the root)
 *   b  = μ b + g / d,  p = p - η b                with momentum μ &gt; 0
 *   p  = p - η g / d                              otherwise
 * </pre>
 * Defaults: η = 0.01, α = 0.99, ε = 1e-8, λ = 0, μ = 0, not centered. The loop runs in place
 * over the raw arrays, with no temporaries.
 *
 * <p>State: "i.square_avg" (s), "i.momentum_buffer" (b, μ &gt; 0 only), "i.grad_avg" (a,
 * centered only), "i.step".
 */
public final class RMSprop extends BaseOptimizer {
    private final double alpha, eps, weightDecay, momentum;
    private final boolean centered;
    private final int bufSlot, avgSlot;

    /** RMSprop with the defaults alpha 0.99, eps 1e-8, no weight decay, no momentum, not centered. */
    public RMSprop(List<Parameter> params, double lr) {
        this(params, lr, 0.99, 1e-8, 0, 0, false);
    }

    /**
     * @throws io.backprop4j.BackpropException for lr ≤ 0 or a negative alpha, eps, weight decay
     *     or momentum ("invalid alpha value: -0.5 ...")
     */
    public RMSprop(List<Parameter> params, double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        ParamState.checkLearningRate(lr);
        ParamState.checkNonNegative("epsilon", eps);
        ParamState.checkNonNegative("momentum", momentum);
        ParamState.checkNonNegative("weight_decay", weightDecay);
        ParamState.checkNonNegative("alpha", alpha);
        List<String> names = new ArrayList<>(List.of("square_avg"));
        if (momentum > 0) names.add("momentum_buffer");
        if (centered) names.add("grad_avg");
        super("RMSprop", params, lr, true, names.toArray(String[]::new));
        this.alpha = alpha;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.momentum = momentum;
        this.centered = centered;
        this.bufSlot = names.indexOf("momentum_buffer");
        this.avgSlot = names.indexOf("grad_avg");
    }

    @Override
    void updateParameter(int i, Tensor w, Tensor g) {
        state.nextStep(i);
        Tensor sq = state.ensure(0, i, 0);
        Tensor buf = bufSlot >= 0 ? state.ensure(bufSlot, i, 0) : null;
        Tensor ga = avgSlot >= 0 ? state.ensure(avgSlot, i, 0) : null;
        int n = w.numel();
        if (ParamState.isFloat(w)) {
            update(Storage.floats(w), w.offset(), Storage.floats(g), g.offset(), Storage.floats(sq),
                    buf == null ? null : Storage.floats(buf), ga == null ? null : Storage.floats(ga), n);
        } else {
            update(Storage.doubles(w), w.offset(), Storage.doubles(g), g.offset(), Storage.doubles(sq),
                    buf == null ? null : Storage.doubles(buf), ga == null ? null : Storage.doubles(ga), n);
        }
    }

    // Same operation order as torch 1.13's _single_tensor_rmsprop.
    private void update(double[] p, int po, double[] g, int go, double[] sq, double[] buf, double[] ga, int n) {
        double c = 1 - alpha, negLr = -lr;
        for (int k = 0; k < n; k++) {
            double pk = p[po + k], gk = g[go + k];
            if (weightDecay != 0) gk = gk + weightDecay * pk;
            double s = sq[k] * alpha + c * gk * gk;
            sq[k] = s;
            double avg;
            if (ga != null) {
                double a = ga[k] * alpha + c * gk;
                ga[k] = a;
                avg = Math.sqrt(s + -1.0 * a * a);
            } else {
                avg = Math.sqrt(s);
            }
            avg = avg + eps;
            if (buf != null) {
                double b = buf[k] * momentum + gk / avg;
                buf[k] = b;
                p[po + k] = pk + negLr * b;
            } else {
                p[po + k] = pk + negLr * gk / avg;
            }
        }
    }

    private void update(float[] p, int po, float[] g, int go, float[] sq, float[] buf, float[] ga, int n) {
        float al = (float) alpha, c = (float) (1 - alpha), negLr = (float) -lr, e = (float) eps;
        float wd = (float) weightDecay, mu = (float) momentum;
        for (int k = 0; k < n; k++) {
            float pk = p[po + k], gk = g[go + k];
            if (weightDecay != 0) gk = gk + wd * pk;
            float s = sq[k] * al + c * gk * gk;
            sq[k] = s;
            float avg;
            if (ga != null) {
                float a = ga[k] * al + c * gk;
                ga[k] = a;
                avg = (float) Math.sqrt(s - a * a);
            } else {
                avg = (float) Math.sqrt(s);
            }
            avg = avg + e;
            if (buf != null) {
                float b = buf[k] * mu + gk / avg;
                buf[k] = b;
                p[po + k] = pk + negLr * b;
            } else {
                p[po + k] = pk + negLr * gk / avg;
            }
        }
    }

    @Override
    public String toString() {
        return "RMSprop(lr=" + lr + ", alpha=" + alpha + ", eps=" + eps + ", weight_decay=" + weightDecay
                + ", momentum=" + momentum + ", centered=" + centered + ")";
    }
}
