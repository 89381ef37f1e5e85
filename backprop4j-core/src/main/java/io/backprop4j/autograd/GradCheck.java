package io.backprop4j.autograd;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Compares the gradients autograd computes with central differences, in float64, as PyTorch's
 * gradcheck does: for each input element x, (f(x + ε) - f(x - ε)) / 2ε against the analytic
 * gradient, with ε = 1e-6 and |analytic - numeric| ≤ atol + rtol |numeric| (atol 1e-5, rtol 1e-3).
 * A non-scalar output is reduced to Σ v ⊙ f with a random v, which checks the whole Jacobian
 * product rather than one row of it.
 *
 * <pre>{@code
 * GradCheck.check(in -> in[0].matmul(in[1]).tanh(), rng, a, b);   // throws when a gradient is wrong
 * }</pre>
 */
public final class GradCheck {
    public static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    private GradCheck() {}

    /** The largest discrepancies found. */
    public record Result(double maxAbsError, String worst) {}

    /**
     * Checks every input that requires grad; inputs must be float64.
     *
     * @throws BackpropException describing the first element whose gradient is wrong
     */
    public static Result check(Function<Tensor[], Tensor> f, RandomGenerator rng, Tensor... inputs) {
        return check(f, rng, EPS, inputs);
    }

    /**
     * As {@link #check(Function, RandomGenerator, Tensor...)} with another step; a larger one
     * suits functions that pass through float32 (whose rounding would swamp a step of 1e-6).
     */
    public static Result check(Function<Tensor[], Tensor> f, RandomGenerator rng, double eps, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype() != DType.FLOAT64) throw new BackpropException("gradcheck: inputs must be float64, got " + t.dtype());
        }
        Tensor probe = f.apply(inputs);
        Tensor v = Tensor.randn(rng, DType.FLOAT64, probe.shape());
        Function<Tensor[], Tensor> scalar = in -> f.apply(in).mul(v).sum();
        for (Tensor t : inputs) t.zeroGrad();
        scalar.apply(inputs).backward();
        double worstErr = 0;
        String worst = "none";
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            if (!x.requiresGrad()) continue;
            Tensor analytic = x.grad() == null ? Tensor.zerosLike(x) : x.grad();
            for (int i = 0, n = x.numel(); i < n; i++) {
                double orig = x.getFlat(i);
                double plus, minus;
                try (var g = NoGrad.enter()) {
                    try {
                        x.setFlat(i, orig + eps);
                        plus = scalar.apply(inputs).item();
                        x.setFlat(i, orig - eps);
                        minus = scalar.apply(inputs).item();
                    } finally {
                        x.setFlat(i, orig);
                    }
                }
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic.getFlat(i);
                double err = Math.abs(a - numeric);
                if (err > worstErr) {
                    worstErr = err;
                    worst = "input " + k + " element " + i;
                }
                if (!(err <= ATOL + RTOL * Math.abs(numeric))) {
                    throw new BackpropException("gradcheck: input " + k + " (shape " + Shapes.str(x.shape()) + ") element " + i
                            + ": analytic " + a + " vs numeric " + numeric);
                }
            }
        }
        return new Result(worstErr, worst);
    }
}
