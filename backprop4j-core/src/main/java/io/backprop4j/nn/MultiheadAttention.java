package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Multi-head scaled dot-product attention, PyTorch's {@code nn.MultiheadAttention}: with E the
 * embedding size, h heads of d = E/h each,
 * <pre>
 *   [q k v] = [query W_qᵀ + b_q, key W_kᵀ + b_k, value W_vᵀ + b_v]     (in_proj_weight [3E, E], in_proj_bias [3E])
 *   head_i  = softmax(q_i k_iᵀ/√d + M) v_i                               (q_i the i-th d columns; batched over N and h)
 *   out     = [head_1 … head_h] W_o + b_o                                (out_proj, a {@link Linear} E → E)
 * </pre>
 * M = −∞ at masked keys: every key after the query's own position when {@code causal} (a
 * decoder's self-attention), and where the optional boolean mask (true = masked out, broadcast to
 * [N, h, T, S]: [T, S] for all, [N, 1, 1, S] for padded keys) is true. In training mode the
 * attention weights go through dropout with probability p. Self-attention without a mask and
 * without dropout (p = 0, or evaluation mode) runs as one fused op ({@link Functional#selfAttention}). Inputs are [N, T, E] with
 * {@code batchFirst}, else [T, N, E]; the output has the query's shape. Initialisation is
 * PyTorch's: in_proj_weight Xavier-uniform, out_proj.weight U(±1/√E), the biases 0.
 *
 * <pre>{@code
 * var attn = new MultiheadAttention(32, 4, true, 0.0, true, true, DType.FLOAT32, rng);   // causal, batch first
 * Tensor y = attn.forward(x);   // x [N, T, 32] -> [N, T, 32]
 * }</pre>
 */
public final class MultiheadAttention extends Module {
    private final int embedDim;
    private final int heads;
    private final boolean causal;
    private final boolean batchFirst;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Linear outProj;
    private final Dropout dropout;

    /** Self-attention with biases, batch first, float32; dropout p on the attention weights. */
    public MultiheadAttention(int embedDim, int heads, boolean causal, double dropout, RandomGenerator rng) {
        this(embedDim, heads, causal, dropout, true, true, DType.FLOAT32, rng);
    }

    public MultiheadAttention(int embedDim, int heads, boolean causal, double dropout, boolean bias, boolean batchFirst,
                              DType dtype, RandomGenerator rng) {
        if (rng == null) throw new BackpropException("MultiheadAttention: rng is null");
        if (embedDim <= 0 || heads <= 0 || embedDim % heads != 0) {
            throw new ShapeException("MultiheadAttention: the embedding size " + embedDim + " must be a positive multiple of the "
                    + heads + " heads");
        }
        this.embedDim = embedDim;
        this.heads = heads;
        this.causal = causal;
        this.batchFirst = batchFirst;
        inProjWeight = param("in_proj_weight", Tensor.zeros(dtype, 3 * embedDim, embedDim));
        inProjBias = bias ? param("in_proj_bias", Tensor.zeros(dtype, 3 * embedDim)) : null;
        outProj = child("out_proj", new Linear(embedDim, embedDim, bias, dtype, rng));
        this.dropout = child("dropout", new Dropout(dropout, rng));
        resetParameters(rng);
    }

    @Override
    public void resetParameters(RandomGenerator rng) {
        // PyTorch: xavier_uniform_ on [3E, E] (fan_in E, fan_out 3E), zero biases; out_proj.weight as a Linear's.
        double a = Math.sqrt(6.0 / (4.0 * embedDim));
        Init.uniform(inProjWeight, -a, a, rng);
        outProj.resetParameters(rng);
        if (inProjBias != null) {
            Init.constant(inProjBias, 0);
            Init.constant(outProj.bias(), 0);
        }
    }

    public Parameter inProjWeight() { return inProjWeight; }

    /** The input projection's bias [3E], or null. */
    public Parameter inProjBias() { return inProjBias; }

    public Linear outProj() { return outProj; }

    public int embedDim() { return embedDim; }

    public int heads() { return heads; }

    public boolean causal() { return causal; }

    /** Self-attention: query, key and value all {@code x}. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null);
    }

    /**
     * Attention of {@code query} [N, T, E] over {@code key} and {@code value} [N, S, E] (time
     * major without batchFirst); {@code mask} bool, broadcast to [N, h, T, S], true = masked out,
     * or null. Returns [N, T, E].
     */
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor mask) {
        for (Tensor t : new Tensor[] {query, key, value}) {
            if (t == null) throw new BackpropException(this + ": query, key and value must not be null");
            Layers.sameDType(this, t, inProjWeight);
            if (t.rank() != 3 || t.size(2) != embedDim) {
                throw new ShapeException(this + ": input " + Shapes.str(t.shape()) + " does not fit: expected "
                        + (batchFirst ? "[batch, steps, " : "[steps, batch, ") + embedDim + "]");
            }
        }
        boolean self = query == key && key == value;
        Tensor q = batchFirst ? query : query.transpose(0, 1);
        Tensor k = batchFirst ? key : key.transpose(0, 1);
        Tensor v = batchFirst ? value : value.transpose(0, 1);
        int n = q.size(0), t = q.size(1), s = k.size(1), d = embedDim / heads;
        if (k.size(0) != n || !java.util.Arrays.equals(k.shape(), v.shape())) {
            throw new ShapeException(this + ": query " + Shapes.str(query.shape()) + ", key " + Shapes.str(key.shape()) + " and value "
                    + Shapes.str(value.shape()) + " disagree on the batch or on the key positions");
        }
        if (causal && s < t) throw new ShapeException(this + ": causal attention needs at least as many keys (" + s + ") as queries (" + t + ")");
        Tensor wT = inProjWeight.t();   // [E, 3E], x W: the projections as one product
        Tensor qp, kp, vp;
        if (self) {
            Tensor qkv = Functional.linear(q.reshape(n * t, embedDim), wT, inProjBias);   // [N·T, 3E]
            if (mask == null && (dropout.p() == 0 || !dropout.isTraining())) {
                // The fused kernel: no head split copies, no [N·h]-batched 16x16 products.
                Tensor ctx = Functional.selfAttention(qkv.reshape(n, t, 3 * embedDim), heads, causal).reshape(n * t, embedDim);
                Tensor out = outProj.call(ctx).reshape(n, t, embedDim);
                return batchFirst ? out : out.transpose(0, 1);
            }
            qp = qkv.narrow(1, 0, embedDim);
            kp = qkv.narrow(1, embedDim, embedDim);
            vp = qkv.narrow(1, 2 * embedDim, embedDim);
        } else {
            qp = project(q, wT, 0);
            kp = project(k, wT, 1);
            vp = project(v, wT, 2);
        }
        // [N·T, E] -> [N, h, T, d]: the heads as a batch dim of the products.
        Tensor qh = qp.reshape(n, t, heads, d).permute(0, 2, 1, 3);
        Tensor kh = kp.reshape(n, s, heads, d).permute(0, 2, 1, 3);
        Tensor vh = vp.reshape(n, s, heads, d).permute(0, 2, 1, 3);
        Tensor weights = Functional.attentionSoftmax(qh.matmul(kh.transpose(-1, -2)), 1 / Math.sqrt(d), causal, mask);
        weights = dropout.call(weights);
        Tensor ctx = weights.matmul(vh).permute(0, 2, 1, 3).reshape(n * t, embedDim);
        Tensor out = outProj.call(ctx).reshape(n, t, embedDim);
        return batchFirst ? out : out.transpose(0, 1);
    }

    /** Part {@code which} (0 q, 1 k, 2 v) of the input projection of x [N, L, E]: [N·L, E]. */
    private Tensor project(Tensor x, Tensor wT, int which) {
        Tensor w = wT.narrow(1, which * embedDim, embedDim);
        Tensor b = inProjBias == null ? null : inProjBias.narrow(0, which * embedDim, embedDim);
        return Functional.linear(x.reshape(x.size(0) * x.size(1), embedDim), w, b);
    }

    @Override
    public String toString() {
        return "MultiheadAttention(embed=" + embedDim + ", heads=" + heads + (causal ? ", causal=true" : "")
                + (dropout.p() > 0 ? ", dropout=" + dropout.p() : "") + (batchFirst ? ", batch_first=true" : "") + ")";
    }
}
