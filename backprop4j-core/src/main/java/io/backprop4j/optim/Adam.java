package io.backprop4j.optim;

import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/**
 * Adam (Kingma and Ba, 2015), as PyTorch's {@code torch.optim.Adam}. For each parameter p with
 * gradient g, at its t-th update (t counted per parameter, from 1):
 * <pre>
 *   g  = g + λ p                                  (L2 weight decay λ, added to the gradient)
 *   m  = β₁ m + (1 - β₁) g
 *   v  = β₂ v + (1 - β₂) g²
 *   v̂  = max(v̂, v)  with amsgrad, else v̂ = v
 *   p  = p - (η / (1 - β₁ᵗ)) · m / (√v̂ / √(1 - β₂ᵗ) + ε)
 * </pre>
 * Defaults: η = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0. For weight decay that does not pass
 * through the moment estimates use {@link AdamW}. The loop runs in place over the raw arrays
 * (float32 arithmetic for float32 parameters), with no temporaries.
 *
 * <p>State: "i.exp_avg" (m), "i.exp_avg_sq" (v), "i.max_exp_avg_sq" (v̂, amsgrad only), "i.step".
 *
 * <pre>{@code
 * var opt = new Adam(model.parameters(), 1e-3);
 * opt.zeroGrad(); loss(model.forward(x)).backward(); opt.step();
 * }</pre>
 */
public final class Adam extends BaseOptimizer {
    private final AdamCore core;

    /** Adam with the default betas (0.9, 0.999), eps 1e-8 and no weight decay. */
    public Adam(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /**
     * @throws io.backprop4j.BackpropException for lr ≤ 0, a beta outside [0, 1), eps or weight
     *     decay below 0 ("invalid beta parameter at index 0: 1.5 ...")
     */
    public Adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        AdamCore.check(lr, beta1, beta2, eps, weightDecay);
        super("Adam", params, lr, true, AdamCore.bufferNames(amsgrad));
        this.core = new AdamCore(state, beta1, beta2, eps, weightDecay, amsgrad, false);
    }

    @Override
    void updateParameter(int i, Tensor w, Tensor g) { core.updateParameter(i, w, g, lr); }

    /** State buffer "exp_avg", "exp_avg_sq" or "max_exp_avg_sq" of parameter i (null before its first update). */
    public Tensor buffer(String name, int i) { return core.buffer(name, i); }

    @Override
    public String toString() { return core.describe("Adam", lr); }
}
