package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.autograd.NoGrad;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent, as PyTorch's SGD. For each parameter p with gradient g:
 * <pre>
 *   d = g + λ p                               (weight decay λ)
 *   b = d                    on the first step, else  b = μ b + (1 - τ) d   (momentum μ, dampening τ)
 *   d = d + μ b  (Nesterov)  or  d = b  (momentum)   when μ ≠ 0
 *   p = p - η d                               (learning rate η)
 * </pre>
 * With μ = 0 this is plain p = p - η g.
 */
public final class SGD implements Optimizer {
    private final List<Parameter> params;
    private double lr;
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;
    private final Tensor[] buffers;

    /** Plain SGD with learning rate {@code lr}. */
    public SGD(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        checkLearningRate(lr);
        if (!(momentum >= 0)) throw new BackpropException("invalid momentum: " + momentum + " (must be >= 0)");
        if (!(weightDecay >= 0)) throw new BackpropException("invalid weight decay: " + weightDecay + " (must be >= 0)");
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new BackpropException("Nesterov momentum needs momentum > 0 and dampening 0");
        }
        this.params = List.copyOf(params);
        this.lr = lr;
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buffers = new Tensor[this.params.size()];
    }

    static void checkLearningRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new BackpropException("invalid learning rate: " + lr + " (must be a positive number)");
        }
    }

    @Override
    public void step() {
        try (var g = NoGrad.enter()) {
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                Tensor grad = p.grad();
                if (grad == null) continue;
                Tensor d = grad;
                if (weightDecay != 0) d = d.add(p.mul(weightDecay));
                if (momentum != 0) {
                    if (buffers[i] == null) {
                        buffers[i] = Tensor.zerosLike(p).copy_(d);
                    } else {
                        buffers[i].mulInPlace(momentum).addInPlace(d, 1 - dampening);
                    }
                    d = nesterov ? d.add(buffers[i].mul(momentum)) : buffers[i];
                }
                p.addInPlace(d, -lr);
            }
        }
    }

    @Override
    public List<Parameter> parameters() { return params; }

    @Override
    public double learningRate() { return lr; }

    @Override
    public void setLearningRate(double lr) {
        checkLearningRate(lr);
        this.lr = lr;
    }

    /** The momentum buffer of parameter i (null before the first step or without momentum). */
    public Tensor momentumBuffer(int i) { return buffers[i]; }

    @Override
    public String toString() {
        return "SGD(lr=" + lr + ", momentum=" + momentum + ", dampening=" + dampening + ", weight_decay=" + weightDecay
                + ", nesterov=" + nesterov + ")";
    }
}
