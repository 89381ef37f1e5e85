package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.internal.Storage;
import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The plumbing that every optimiser here shares: the parameters (a copy of the list, in order),
 * the learning rate and the per-parameter state, with {@link #parameters()}, {@link
 * #learningRate()}, {@link #setLearningRate}, {@link #state()} and {@link #loadState}. Each
 * subclass checks its arguments before calling the constructor, and keeps its update equation,
 * its update of one parameter ({@link #updateParameter}) and toString. Package-private.
 */
abstract class BaseOptimizer implements Optimizer {
    final List<Parameter> params;
    double lr;
    final ParamState state;

    /**
     * @param name the optimiser's name in error messages ("SGD")
     * @param countSteps whether the state holds a step count per parameter ("i.step")
     * @param bufferNames the state buffers per parameter ("exp_avg"...), in slot order
     */
    BaseOptimizer(String name, List<Parameter> params, double lr, boolean countSteps, String... bufferNames) {
        this.params = List.copyOf(params);
        for (int i = 0; i < this.params.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (this.params.get(i) == this.params.get(j)) {
                    throw new BackpropException(name + ": parameter " + i + " is parameter " + j + " again; each parameter may be"
                            + " listed once (it would be stepped twice)");
                }
            }
        }
        this.lr = lr;
        this.state = new ParamState(name, this.params, countSteps, bufferNames);
    }

    /**
     * Updates every parameter that has a gradient, through {@link #updateParameter}: the large ones
     * in order, then the small ones together over the pool (each update is independent of the
     * others, so the order changes no bit); not recorded for autograd, and counted as an in-place
     * change of each parameter updated.
     */
    @Override
    public final void step() {
        try (var g = NoGrad.enter()) {
            // A large parameter's update splits its own loop over the pool; the small ones (a
            // transformer's norms, biases and 64-wide weights: some forty a step) are too small
            // for that, so they go over the pool together.
            int[] small = new int[params.size()];
            int smalls = 0;
            long smallElements = 0;
            for (int i = 0; i < params.size(); i++) {
                int n = params.get(i).numel();
                if (n <= SMALL_PARAMETER) {
                    small[smalls++] = i;
                    smallElements += n;
                } else {
                    update(i);
                }
            }
            if (smallElements < SMALL_TOTAL) {
                for (int s = 0; s < smalls; s++) update(small[s]);
            } else {
                Parallel.forRange(smalls, 1, (from, to) -> {
                    // NoGrad belongs to the thread: the pool's threads enter it too (writeBack's copy_).
                    try (var off = NoGrad.enter()) {
                        for (int s = from; s < to; s++) update(small[s]);
                    }
                });
            }
        }
    }

    /** Elements up to which a parameter counts as small in {@link #step}: an update that splits its loop ({@code AdamCore}) leaves it whole. */
    static final int SMALL_PARAMETER = 1 << 16;
    /** Elements of all small parameters together below which they stay on the calling thread. */
    private static final long SMALL_TOTAL = 1 << 14;

    /** Updates parameter i, if it has a gradient, and marks it changed. */
    private void update(int i) {
        Parameter p = params.get(i);
        Tensor grad = ParamState.grad(p);
        if (grad == null) return;
        Tensor w = ParamState.data(p);
        updateParameter(i, w, grad);
        if (w == p) Storage.changed(p);
        else ParamState.writeBack(p, w);
    }

    /**
     * Updates parameter i in place: {@code w} is its data and {@code g} its gradient, both
     * contiguous and of the parameter's dtype (see {@link ParamState#data} and {@link ParamState#grad}).
     */
    abstract void updateParameter(int i, Tensor w, Tensor g);

    @Override
    public List<Parameter> parameters() { return params; }

    @Override
    public double learningRate() { return lr; }

    @Override
    public void setLearningRate(double lr) {
        ParamState.checkNewLearningRate(lr);
        this.lr = lr;
    }

    @Override
    public Map<String, Tensor> state() { return state.export(lr); }

    @Override
    public void loadState(Map<String, Tensor> s) { lr = state.load(s, lr); }
}
