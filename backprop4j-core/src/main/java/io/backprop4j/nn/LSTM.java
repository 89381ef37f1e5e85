package io.backprop4j.nn;

import io.backprop4j.tensor.DType;
import java.util.random.RandomGenerator;

/**
 * A long short-term memory network, PyTorch's {@code nn.LSTM}: per layer, with gates in the order i, f, g, o,
 * <pre>
 *   i = σ(x W_iiᵀ + b_ii + h W_hiᵀ + b_hi)   f = σ(x W_ifᵀ + b_if + h W_hfᵀ + b_hf)
 *   g = tanh(x W_igᵀ + b_ig + h W_hgᵀ + b_hg)   o = σ(x W_ioᵀ + b_io + h W_hoᵀ + b_ho)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
 * </pre>
 * See {@link RecurrentLayer} for shapes, state (h and c) and parameters.
 */
public final class LSTM extends RecurrentLayer {
    /** One layer with biases, time major ([steps, batch, features]), float32. */
    public LSTM(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, 1, true, false, DType.FLOAT32, rng);
    }

    /** {@code layers} stacked layers; {@code batchFirst}: inputs and outputs [batch, steps, features]. */
    public LSTM(int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, DType dtype, RandomGenerator rng) {
        this(inputSize, hiddenSize, layers, bias, batchFirst, 0.0, dtype, rng);
    }

    /** As above, with dropout p on the outputs of every layer but the last, in training mode. */
    public LSTM(int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, double dropout, DType dtype,
               RandomGenerator rng) {
        super(4, inputSize, hiddenSize, layers, bias, batchFirst, dropout, dtype, rng);
    }
}
