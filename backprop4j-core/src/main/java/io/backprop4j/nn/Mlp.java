package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Builds multi-layer perceptrons: for sizes [in, h₁, ..., hₖ, out], k hidden blocks
 * <pre>
 *   Linear(in, h₁) → [BatchNorm1d(h₁)] → activation → [Dropout(p)]
 * </pre>
 * and a final Linear(hₖ, out) with no activation (losses take logits). Parameters are named as
 * in {@link Sequential}: "0.weight", "0.bias", ...
 *
 * <pre>{@code
 * // what `train --layers 512,256 --activation relu --dropout 0.2` builds for 784 inputs, 10 classes:
 * Sequential net = Mlp.build(new int[] {784, 512, 256, 10}, "relu", 0.2, false, rng, DType.FLOAT32);
 * // Linear(784, 512), ReLU, Dropout(0.2), Linear(512, 256), ReLU, Dropout(0.2), Linear(256, 10)
 * }</pre>
 */
public final class Mlp {
    private Mlp() {}

    /** How the Linear layers' weights are drawn. Except for PYTORCH_DEFAULT, biases start at 0. */
    public enum WeightInit {
        /** He for relu, leaky_relu, elu and gelu; Xavier otherwise ({@link #forActivation}). */
        AUTO,
        /** {@link Init#heUniform}: U(±√(6 / fanIn)). */
        HE_UNIFORM,
        /** {@link Init#heNormal}: N(0, 2 / fanIn). */
        HE_NORMAL,
        /** {@link Init#xavierUniform}: U(±√(6 / (fanIn + fanOut))). */
        XAVIER_UNIFORM,
        /** {@link Init#xavierNormal}: N(0, 2 / (fanIn + fanOut)). */
        XAVIER_NORMAL,
        /** Linear's own: weight and bias from U(±1/√fanIn). */
        PYTORCH_DEFAULT;

        /** The scheme AUTO picks for an activation: HE_UNIFORM for rectifier-like ones, XAVIER_UNIFORM otherwise. */
        public static WeightInit forActivation(String activation) {
            return switch (activation.toLowerCase(Locale.ROOT)) {
                case "relu", "leaky_relu", "elu", "gelu" -> HE_UNIFORM;
                default -> XAVIER_UNIFORM;
            };
        }
    }

    /** An MLP with the weight initialisation chosen by the activation ({@link WeightInit#AUTO}). */
    public static Sequential build(int[] sizes, String activation, double dropout, boolean batchNorm, RandomGenerator rng, DType dtype) {
        return build(sizes, activation, dropout, batchNorm, WeightInit.AUTO, rng, dtype);
    }

    /**
     * An MLP; the dropout layers draw their masks from {@code rng} too (after the weights).
     *
     * @param sizes      layer widths, input first and output last (at least 2, all positive)
     * @param activation an {@link Activation#NAMES} name, used after every hidden layer
     * @param dropout    drop probability after each hidden activation, 0 for no dropout layers
     * @param batchNorm  whether a BatchNorm1d follows each hidden Linear
     * @throws BackpropException for bad sizes, an unknown activation or dropout outside [0, 1)
     */
    public static Sequential build(int[] sizes, String activation, double dropout, boolean batchNorm, WeightInit init,
                                   RandomGenerator rng, DType dtype) {
        if (sizes == null || sizes.length < 2) {
            throw new BackpropException("Mlp: needs at least an input and an output size, got " + Arrays.toString(sizes));
        }
        for (int s : sizes) {
            if (s <= 0) throw new BackpropException("Mlp: layer sizes must be positive, got " + Arrays.toString(sizes));
        }
        if (!(dropout >= 0 && dropout < 1)) throw new BackpropException("Mlp: dropout must be in [0, 1), got " + dropout);
        if (rng == null || dtype == null || init == null) throw new BackpropException("Mlp: rng, dtype and init must not be null");
        Activation.byName(activation, null);   // fails early, with the valid names, for an unknown one
        WeightInit scheme = init == WeightInit.AUTO ? WeightInit.forActivation(activation) : init;
        Sequential net = new Sequential();
        for (int i = 0; i + 1 < sizes.length; i++) {
            net.add(linear(sizes[i], sizes[i + 1], scheme, rng, dtype));
            if (i + 2 == sizes.length) break;
            if (batchNorm) net.add(new BatchNorm1d(sizes[i + 1], 1e-5, 0.1, dtype));
            net.add(Activation.byName(activation, null));
            if (dropout > 0) net.add(new Dropout(dropout, rng));
        }
        return net;
    }

    /** A Linear layer [in, out] initialised by {@code scheme} (not AUTO). */
    static Linear linear(int in, int out, WeightInit scheme, RandomGenerator rng, DType dtype) {
        if (scheme == WeightInit.PYTORCH_DEFAULT) return new Linear(in, out, true, dtype, rng);
        Tensor w = Tensor.zeros(dtype, in, out);
        switch (scheme) {
            case HE_UNIFORM -> Init.heUniform(w, rng);
            case HE_NORMAL -> Init.heNormal(w, rng);
            case XAVIER_UNIFORM -> Init.xavierUniform(w, rng);
            case XAVIER_NORMAL -> Init.xavierNormal(w, rng);
            default -> throw new BackpropException("Mlp: no weight initialisation " + scheme);
        }
        return new Linear(w, Tensor.zeros(dtype, out));
    }

    /**
     * Re-initialises every Linear layer of {@code model} (at any depth) by {@code init} (AUTO
     * resolved with {@code activation}) and resets every BatchNorm1d; for a fresh start of a
     * network from {@link #build}. ({@code model.resetParameters(rng)} would use Linear's default
     * scheme instead.)
     */
    public static void initialize(Module model, WeightInit init, String activation, RandomGenerator rng) {
        WeightInit scheme = init == WeightInit.AUTO ? WeightInit.forActivation(activation) : init;
        if (model instanceof Linear l) {
            if (scheme == WeightInit.PYTORCH_DEFAULT) {
                l.resetParameters(rng);
            } else {
                Linear fresh = linear(l.inFeatures(), l.outFeatures(), scheme, rng, l.weight().dtype());
                try (var g = NoGrad.enter()) {
                    l.weight().copy_(fresh.weight());
                    if (l.bias() != null) l.bias().fill_(0);
                }
            }
        } else if (model instanceof BatchNorm1d bn) {
            bn.resetParameters(rng);
        }
        for (Module child : model.children().values()) initialize(child, init, activation, rng);
    }
}
