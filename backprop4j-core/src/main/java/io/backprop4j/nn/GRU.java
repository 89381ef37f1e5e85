package io.backprop4j.nn;

import io.backprop4j.tensor.DType;
import java.util.random.RandomGenerator;

/**
 * A gated recurrent unit network, PyTorch's {@code nn.GRU}: per layer, with gates in the order r, z, n,
 * <pre>
 *   r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)   z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
 *   n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * </pre>
 * See {@link RecurrentLayer} for shapes, state and parameters.
 */
public final class GRU extends RecurrentLayer {
    /** One layer with biases, time major ([steps, batch, features]), float32. */
    public GRU(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, 1, true, false, DType.FLOAT32, rng);
    }

    /** {@code layers} stacked layers; {@code batchFirst}: inputs and outputs [batch, steps, features]. */
    public GRU(int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, DType dtype, RandomGenerator rng) {
        this(inputSize, hiddenSize, layers, bias, batchFirst, 0.0, dtype, rng);
    }

    /** As above, with dropout p on the outputs of every layer but the last, in training mode. */
    public GRU(int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, double dropout, DType dtype,
               RandomGenerator rng) {
        super(3, inputSize, hiddenSize, layers, bias, batchFirst, dropout, dtype, rng);
    }
}
