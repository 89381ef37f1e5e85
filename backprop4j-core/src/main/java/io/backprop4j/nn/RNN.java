package io.backprop4j.nn;

import io.backprop4j.tensor.DType;
import java.util.random.RandomGenerator;

/**
 * An Elman RNN with tanh, PyTorch's {@code nn.RNN}: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) per layer; see {@link RecurrentLayer} for shapes, state and parameters.
 */
public final class RNN extends RecurrentLayer {
    /** One layer with biases, time major ([steps, batch, features]), float32. */
    public RNN(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, 1, true, false, DType.FLOAT32, rng);
    }

    /** {@code layers} stacked layers; {@code batchFirst}: inputs and outputs [batch, steps, features]. */
    public RNN(int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, DType dtype, RandomGenerator rng) {
        this(inputSize, hiddenSize, layers, bias, batchFirst, 0.0, dtype, rng);
    }

    /** As above, with dropout p on the outputs of every layer but the last, in training mode. */
    public RNN(int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, double dropout, DType dtype,
               RandomGenerator rng) {
        super(1, inputSize, hiddenSize, layers, bias, batchFirst, dropout, dtype, rng);
    }
}
