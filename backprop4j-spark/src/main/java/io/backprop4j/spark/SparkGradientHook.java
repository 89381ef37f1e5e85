package io.backprop4j.spark;

import io.backprop4j.optim.GradClip;
import io.backprop4j.train.Trainer;
import java.io.Serializable;

/**
 * A {@link Trainer.GradientHook} that can be sent to the executors: with synchronous steps it
 * runs on the driver, on the summed gradient, as the Trainer runs it; with parameter averaging
 * it runs on every local step of every replica.
 */
@FunctionalInterface
public interface SparkGradientHook extends Trainer.GradientHook, Serializable {
    /** {@link GradClip#clipByNorm}: the joint L2 norm of the gradients scaled to at most {@code maxNorm}. */
    static SparkGradientHook clipByNorm(double maxNorm) {
        return params -> GradClip.clipByNorm(params, maxNorm);
    }
}
