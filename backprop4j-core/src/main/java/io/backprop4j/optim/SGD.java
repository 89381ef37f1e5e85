package io.backprop4j.optim;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/**
 * Stochastic gradient descent, as PyTorch's SGD. For each parameter p with gradient g:
 * <pre>
 *   d = g + λ p                               (weight decay λ)
 *   b = d                    on the first step, else  b = μ b + (1 - τ) d   (momentum μ, dampening τ)
 *   d = d + μ b  (Nesterov)  or  d = b  (momentum)   when μ ≠ 0
 *   p = p - η d                               (learning rate η)
 * </pre>
 * With μ = 0 this is plain p = p - η g. The update runs in place over the raw arrays, with no
 * temporaries. State ({@link #state()}): "i.momentum_buffer" when μ ≠ 0.
 */
public final class SGD extends BaseOptimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    /** Plain SGD with learning rate {@code lr}. */
    public SGD(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        ParamState.checkLearningRate(lr);
        if (!(momentum >= 0)) throw new BackpropException("invalid momentum: " + momentum + " (must be >= 0)");
        if (!(weightDecay >= 0)) throw new BackpropException("invalid weight decay: " + weightDecay + " (must be >= 0)");
        if (Double.isNaN(dampening)) throw new BackpropException("invalid dampening: " + dampening);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new BackpropException("Nesterov momentum needs momentum > 0 and dampening 0");
        }
        super("SGD", params, lr, false, momentum != 0 ? new String[] {"momentum_buffer"} : new String[0]);
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    void updateParameter(int i, Tensor w, Tensor g) {
        boolean first = momentum != 0 && state.get(0, i) == null;
        Tensor b = momentum != 0 ? state.ensure(0, i, 0) : null;
        int n = w.numel();
        if (ParamState.isFloat(w)) {
            update(Storage.floats(w), w.offset(), Storage.floats(g), g.offset(), b == null ? null : Storage.floats(b), n, first);
        } else {
            update(Storage.doubles(w), w.offset(), Storage.doubles(g), g.offset(), b == null ? null : Storage.doubles(b), n, first);
        }
    }

    private void update(float[] p, int po, float[] g, int go, float[] b, int n, boolean first) {
        float wd = (float) weightDecay, mu = (float) momentum, damp = (float) (1 - dampening), step = (float) -lr;
        for (int k = 0; k < n; k++) {
            float d = g[go + k];
            if (weightDecay != 0) d = d + wd * p[po + k];
            if (b != null) {
                float bk = first ? d : b[k] * mu + damp * d;
                b[k] = bk;
                d = nesterov ? d + mu * bk : bk;
            }
            p[po + k] += step * d;
        }
    }

    private void update(double[] p, int po, double[] g, int go, double[] b, int n, boolean first) {
        double step = -lr, damp = 1 - dampening;
        for (int k = 0; k < n; k++) {
            double d = g[go + k];
            if (weightDecay != 0) d = d + weightDecay * p[po + k];
            if (b != null) {
                double bk = first ? d : b[k] * momentum + damp * d;
                b[k] = bk;
                d = nesterov ? d + momentum * bk : bk;
            }
            p[po + k] += step * d;
        }
    }

    /** The momentum buffer of parameter i (null before the first step or without momentum). */
    public Tensor momentumBuffer(int i) { return momentum != 0 ? state.get(0, i) : null; }

    @Override
    public String toString() {
        return "SGD(lr=" + lr + ", momentum=" + momentum + ", dampening=" + dampening + ", weight_decay=" + weightDecay
                + ", nesterov=" + nesterov + ")";
    }
}
