package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A stack of recurrent layers with PyTorch's semantics ({@link RNN}, {@link LSTM}, {@link GRU}):
 * input x [T, N, I] ([N, T, I] with {@code batchFirst}; [T, I] for one unbatched sequence),
 * output [T, N, H] (or [N, T, H]): the last layer's h_t at every step; layer l > 0 reads layer
 * l − 1's outputs. The initial state h0 (and the LSTM's c0) is [L, N, H] (null: zeros); the final
 * state is [L, N, H], each layer's last h_T (and c_T). Gradients flow back through the whole
 * window (backpropagation through time) into the weights, the input and the initial state.
 *
 * <p>Parameters, per layer l in this order, as PyTorch names them: {@code weight_ih_l}l
 * [G·H, in], {@code weight_hh_l}l [G·H, H], {@code bias_ih_l}l and {@code bias_hh_l}l [G·H]
 * (G = 1, 4, 3 gates; PyTorch's [out, in] layout, unlike {@link Linear}), all initialised from
 * U(±1/√H) as PyTorch does. With {@code dropout} p > 0, the outputs of every layer but the last
 * go through dropout in training mode, as in PyTorch (the final states are taken before it).
 *
 * <pre>{@code
 * var lstm = new LSTM(8, 16, 2, true, true, DType.FLOAT32, rng);   // 2 layers, batch first
 * RecurrentLayer.Output r = lstm.forward(x, null);                // x [N, T, 8]
 * r.output();     // [N, T, 16]
 * r.state().h();  // [2, N, 16]; r.state().c() likewise
 * }</pre>
 */
public abstract sealed class RecurrentLayer extends Module permits RNN, LSTM, GRU {
    private final int inputSize;
    private final int hiddenSize;
    private final int layers;
    private final boolean batchFirst;
    private final int gates;
    private final List<Parameter[]> weights = new ArrayList<>();
    private final Dropout dropout;

    /** A state: h [L, N, H] and, for the LSTM, c [L, N, H] (else null). */
    public record State(Tensor h, Tensor c) {}

    /** The outputs of every step of the last layer, and the final state of every layer. */
    public record Output(Tensor output, State state) {}

    RecurrentLayer(int gates, int inputSize, int hiddenSize, int layers, boolean bias, boolean batchFirst, double dropout,
                   DType dtype, RandomGenerator rng) {
        if (rng == null) throw new BackpropException(getClass().getSimpleName() + ": rng is null");
        if (inputSize <= 0 || hiddenSize <= 0 || layers <= 0) {
            throw new ShapeException(getClass().getSimpleName() + ": sizes must be positive, got input=" + inputSize + ", hidden="
                    + hiddenSize + ", layers=" + layers);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.layers = layers;
        this.batchFirst = batchFirst;
        this.gates = gates;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : hiddenSize;
            Parameter wih = param("weight_ih_l" + l, Tensor.zeros(dtype, gates * hiddenSize, in));
            Parameter whh = param("weight_hh_l" + l, Tensor.zeros(dtype, gates * hiddenSize, hiddenSize));
            Parameter bih = bias ? param("bias_ih_l" + l, Tensor.zeros(dtype, gates * hiddenSize)) : null;
            Parameter bhh = bias ? param("bias_hh_l" + l, Tensor.zeros(dtype, gates * hiddenSize)) : null;
            weights.add(new Parameter[] {wih, whh, bih, bhh});
        }
        this.dropout = child("dropout", new Dropout(dropout, rng));
        resetParameters(rng);
    }

    @Override
    public void resetParameters(RandomGenerator rng) {
        double bound = 1 / Math.sqrt(hiddenSize);
        for (Parameter p : parameters()) Init.uniform(p, -bound, bound, rng);
    }

    public int inputSize() { return inputSize; }

    public int hiddenSize() { return hiddenSize; }

    public int numLayers() { return layers; }

    public boolean batchFirst() { return batchFirst; }

    /** Whether the layers have biases. */
    public boolean hasBias() { return weights.get(0)[2] != null; }

    /** The dropout probability between layers (0: none). */
    public double dropout() { return dropout.p(); }

    /** Layer l's {weight_ih, weight_hh, bias_ih, bias_hh} (biases null without bias). */
    public Parameter[] layerWeights(int l) {
        return weights.get(l).clone();
    }

    /** The outputs of the last layer at every step (the final state is dropped). */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null).output();
    }

    /**
     * Runs the whole window from {@code initial} (null: zeros; its h [L, N, H], and c for the
     * LSTM, either may be null) and returns every output and the final state.
     */
    public Output forward(Tensor x, State initial) {
        Parameter w0 = weights.get(0)[0];
        Layers.sameDType(this, x, w0);
        boolean unbatched = x.rank() == 2;
        if ((x.rank() != 3 && !unbatched) || x.size(-1) != inputSize) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " does not fit: expected "
                    + (batchFirst ? "[batch, steps, " : "[steps, batch, ") + inputSize + "] or [steps, " + inputSize + "]");
        }
        if (x.size(unbatched ? 0 : batchFirst ? 1 : 0) == 0) throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " has no steps");
        Tensor seq = unbatched ? x.unsqueeze(1) : batchFirst ? x.transpose(0, 1) : x;
        int n = seq.size(1);
        Tensor h0 = initial == null ? null : state(initial.h(), "h0", n, unbatched);
        Tensor c0 = initial == null ? null : state(initial.c(), "c0", n, unbatched);
        if (c0 != null && gates != 4) throw new BackpropException(this + ": only the LSTM takes an initial cell state c0");
        Tensor[] hn = new Tensor[layers], cn = gates == 4 ? new Tensor[layers] : null;
        int last = seq.size(0) - 1;
        for (int l = 0; l < layers; l++) {
            Parameter[] w = weights.get(l);
            Tensor hl = h0 == null ? null : h0.select(0, l), cl = c0 == null ? null : c0.select(0, l);
            if (gates == 4) {
                Tensor[] hc = Functional.lstm(seq, hl, cl, w[0], w[1], w[2], w[3]);
                seq = hc[0];
                cn[l] = hc[1].select(0, last);
            } else {
                seq = gates == 3 ? Functional.gru(seq, hl, w[0], w[1], w[2], w[3]) : Functional.rnnTanh(seq, hl, w[0], w[1], w[2], w[3]);
            }
            hn[l] = seq.select(0, last);
            // PyTorch's dropout: on each layer's outputs but the last layer's, in training mode.
            if (l < layers - 1) seq = dropout.call(seq);
        }
        Tensor h = Tensor.stack(0, hn), c = cn == null ? null : Tensor.stack(0, cn);
        Tensor out = unbatched ? seq.squeeze(1) : batchFirst ? seq.transpose(0, 1) : seq;
        if (unbatched) {
            h = h.squeeze(1);
            c = c == null ? null : c.squeeze(1);
        }
        return new Output(out, new State(h, c));
    }

    /** An initial state [L, N, H] (unbatched: [L, H], given a batch dim of 1 here), checked. */
    private Tensor state(Tensor s, String name, int n, boolean unbatched) {
        if (s == null) return null;
        Layers.sameDType(this, s, weights.get(0)[0]);
        Tensor t = unbatched && s.rank() == 2 ? s.unsqueeze(1) : s;
        if (t.rank() != 3 || t.size(0) != layers || t.size(1) != n || t.size(2) != hiddenSize) {
            throw new ShapeException(this + ": " + name + " " + Shapes.str(s.shape()) + " does not fit: expected ["
                    + layers + ", " + (unbatched ? "" : n + ", ") + hiddenSize + "]");
        }
        return t;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(input=" + inputSize + ", hidden=" + hiddenSize
                + (layers > 1 ? ", layers=" + layers : "") + (weights.get(0)[2] == null ? ", bias=false" : "")
                + (batchFirst ? ", batch_first=true" : "") + (dropout.p() > 0 ? ", dropout=" + dropout.p() : "") + ")";
    }
}
