package io.backprop4j.optim;

import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as PyTorch's
 * {@code torch.optim.AdamW}. For each parameter p with gradient g, at its t-th update:
 * <pre>
 *   p  = p (1 - η λ)                              (decoupled weight decay λ, applied first)
 *   m  = β₁ m + (1 - β₁) g
 *   v  = β₂ v + (1 - β₂) g²
 *   v̂  = max(v̂, v)  with amsgrad, else v̂ = v
 *   p  = p - (η / (1 - β₁ᵗ)) · m / (√v̂ / √(1 - β₂ᵗ) + ε)
 * </pre>
 * Defaults: η = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0.01. State as {@link Adam}.
 */
public final class AdamW extends BaseOptimizer {
    private final AdamCore core;

    /** AdamW with the default betas (0.9, 0.999), eps 1e-8 and weight decay 0.01. */
    public AdamW(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01, false);
    }

    /** AdamW with the default betas and eps and the given weight decay. */
    public AdamW(List<Parameter> params, double lr, double weightDecay) {
        this(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
    }

    /**
     * @throws io.backprop4j.BackpropException for lr ≤ 0, a beta outside [0, 1), eps or weight
     *     decay below 0
     */
    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        AdamCore.check(lr, beta1, beta2, eps, weightDecay);
        super("AdamW", params, lr, true, AdamCore.bufferNames(amsgrad));
        this.core = new AdamCore(state, beta1, beta2, eps, weightDecay, amsgrad, true);
    }

    @Override
    void updateParameter(int i, Tensor w, Tensor g) { core.updateParameter(i, w, g, lr); }

    /** State buffer "exp_avg", "exp_avg_sq" or "max_exp_avg_sq" of parameter i (null before its first update). */
    public Tensor buffer(String name, int i) { return core.buffer(name, i); }

    @Override
    public String toString() { return core.describe("AdamW", lr); }
}
