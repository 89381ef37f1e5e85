package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Batch normalisation over a batch of feature vectors, as PyTorch's BatchNorm1d on [n, C] input.
 * Training mode normalises with the batch statistics (biased variance) and updates the running
 * ones (unbiased variance):
 * <pre>
 *   μ = mean over rows of x,   σ² = mean over rows of (x - μ)²            (shapes [1, C])
 *   y = (x - μ) / √(σ² + ε) · γ + β
 *   running_mean = m μ + (1 - m) running_mean
 *   running_var  = m σ² n / (n - 1) + (1 - m) running_var                 (momentum m)
 * </pre>
 * Evaluation mode ({@link Module#evalScope()}) uses running_mean and running_var instead of μ
 * and σ². γ ("weight", ones) and β ("bias", zeros) are parameters; running_mean (zeros) and
 * running_var (ones) are buffers ({@link Module#namedBuffers()}), changed in place. The forward
 * pass is built from recorded tensor ops, so gradients flow through μ and σ² as well.
 */
public final class BatchNorm1d extends Module {
    private final int features;
    private final double eps, momentum;
    private final Parameter weight, bias;
    private final Tensor runningMean, runningVar;

    /** float32, eps 1e-5, momentum 0.1. */
    public BatchNorm1d(int features) {
        this(features, 1e-5, 0.1, DType.FLOAT32);
    }

    /** @throws BackpropException for features ≤ 0, eps ≤ 0 or momentum outside [0, 1] */
    public BatchNorm1d(int features, double eps, double momentum, DType dtype) {
        if (features <= 0) throw new BackpropException("BatchNorm1d: features must be positive, got " + features);
        if (!(eps > 0)) throw new BackpropException("BatchNorm1d: eps must be > 0, got " + eps);
        if (!(momentum >= 0 && momentum <= 1)) throw new BackpropException("BatchNorm1d: momentum must be in [0, 1], got " + momentum);
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = param("weight", Tensor.ones(dtype, features));
        this.bias = param("bias", Tensor.zeros(dtype, features));
        this.runningMean = buffer("running_mean", Tensor.zeros(dtype, features));
        this.runningVar = buffer("running_var", Tensor.ones(dtype, features));
    }

    /** Sets γ = 1, β = 0 and the running statistics to mean 0, variance 1 (draws nothing from rng). */
    @Override
    public void resetParameters(RandomGenerator rng) {
        Init.constant(weight, 1);
        Init.constant(bias, 0);
        runningMean.fill_(0);
        runningVar.fill_(1);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    /** The running mean (live buffer). */
    public Tensor runningMean() { return runningMean; }

    /** The running variance (live buffer). */
    public Tensor runningVar() { return runningVar; }

    public int features() { return features; }

    /** The ε added to the variance. */
    public double eps() { return eps; }

    /** The weight of each batch's statistics in the running ones. */
    public double momentum() { return momentum; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 2 || x.size(1) != features) {
            throw new ShapeException("BatchNorm1d(" + features + "): input " + Shapes.str(x.shape()) + " does not fit: expected [batch, "
                    + features + "]");
        }
        if (!isTraining()) {
            return x.sub(runningMean).div(runningVar.add(eps).sqrt()).mul(weight).add(bias);
        }
        int n = x.size(0);
        if (n < 2) {
            throw new BackpropException("BatchNorm1d: expected more than 1 value per feature when training, got input of shape "
                    + Shapes.str(x.shape()));
        }
        Tensor mean = x.mean(0, true);
        Tensor centered = x.sub(mean);
        Tensor sumSq = centered.square().sum(0, true);
        Tensor var = sumSq.div(n);
        Tensor y = centered.div(var.add(eps).sqrt()).mul(weight).add(bias);
        updateRunningStats(mean, sumSq, n);
        return y;
    }

    private void updateRunningStats(Tensor mean, Tensor sumSq, int n) {
        for (int f = 0; f < features; f++) {
            double mu = mean.getFlat(f);
            double unbiased = sumSq.getFlat(f) / (n - 1);
            runningMean.setFlat(f, momentum * mu + (1 - momentum) * runningMean.getFlat(f));
            runningVar.setFlat(f, momentum * unbiased + (1 - momentum) * runningVar.getFlat(f));
        }
    }

    @Override
    public String toString() {
        return "BatchNorm1d(" + features + ", eps=" + eps + ", momentum=" + momentum + ")";
    }
}
