package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Batch normalisation of feature maps, as PyTorch's BatchNorm2d on [N, C, H, W] input: per
 * channel c, over its N·H·W values,
 * <pre>
 *   y = (x − μ_c) / √(σ²_c + ε) · γ_c + β_c
 *   running_mean = m μ + (1 − m) running_mean
 *   running_var  = m σ² M / (M − 1) + (1 − m) running_var          (momentum m, M = N·H·W)
 * </pre>
 * with the batch's mean μ and biased variance σ² in training mode (gradients flow through them)
 * and running_mean, running_var in evaluation mode ({@link Module#evalScope()}). γ ("weight",
 * ones) and β ("bias", zeros) are parameters; running_mean (zeros) and running_var (ones) are
 * buffers, changed in place. One fused op ({@link Functional#batchNorm}).
 *
 * <pre>{@code
 * var model = new Sequential(new Conv2d(1, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU());
 * }</pre>
 */
public final class BatchNorm2d extends Module {
    private final int features;
    private final double eps, momentum;
    private final Parameter weight, bias;
    private final Tensor runningMean, runningVar;

    /** float32, eps 1e-5, momentum 0.1. */
    public BatchNorm2d(int features) {
        this(features, 1e-5, 0.1, DType.FLOAT32);
    }

    /** @throws BackpropException for features ≤ 0, eps ≤ 0 or momentum outside [0, 1] */
    public BatchNorm2d(int features, double eps, double momentum, DType dtype) {
        if (features <= 0) throw new BackpropException("BatchNorm2d: features must be positive, got " + features);
        if (!(eps > 0)) throw new BackpropException("BatchNorm2d: eps must be > 0, got " + eps);
        if (!(momentum >= 0 && momentum <= 1)) throw new BackpropException("BatchNorm2d: momentum must be in [0, 1], got " + momentum);
        if (dtype == null || !dtype.isFloatingPoint()) throw new BackpropException("BatchNorm2d: dtype must be FLOAT32 or FLOAT64, got " + dtype);
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

    public double eps() { return eps; }

    public double momentum() { return momentum; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.size(1) != features) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " does not fit: expected [batch, " + features
                    + ", height, width]");
        }
        Layers.sameDType(this, x, weight);
        return Functional.batchNorm(x, runningMean, runningVar, weight, bias, isTraining(), momentum, eps);
    }

    @Override
    public String toString() {
        return "BatchNorm2d(" + features + ", eps=" + eps + ", momentum=" + momentum + ")";
    }
}
