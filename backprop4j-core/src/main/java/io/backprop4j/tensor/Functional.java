package io.backprop4j.tensor;

/**
 * The fused primitives that layers and losses are built on, as plain functions (PyTorch's
 * {@code torch.nn.functional}). Each is one recorded op with its own backward, faster and more
 * stable than the same formula composed from elementwise ops. Most code calls them through
 * {@code io.backprop4j.nn.Linear} and {@code io.backprop4j.loss.Losses}.
 */
public final class Functional {
    private Functional() {}

    /**
     * The affine map of a dense layer: y = x W + b, x [n, in], W [in, out], b [out] or null,
     * y [n, out]. Backward: dx = g Wᵀ, dW = xᵀ g, db = Σ_rows g.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        need(x, "linear", "input");
        need(weight, "linear", "weight");
        return LinearOp.apply(x, weight, bias);
    }

    /**
     * Binary cross-entropy on probabilities p in [0, 1] against targets y of the same shape, mean
     * over all N elements: -(1/N) Σ [y ln p + (1-y) ln(1-p)], each log clamped at -100 (PyTorch's
     * BCELoss). A 0-dimensional result.
     */
    public static Tensor binaryCrossEntropy(Tensor probabilities, Tensor target) {
        need(probabilities, "binary_cross_entropy", "probabilities");
        need(target, "binary_cross_entropy", "target");
        return BinaryCrossEntropyOp.apply(probabilities, target);
    }

    /** Binary cross-entropy on logits x: the same as on σ(x), computed stably; mean over all elements. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target) {
        need(logits, "binary_cross_entropy_with_logits", "logits");
        need(target, "binary_cross_entropy_with_logits", "target");
        return BinaryCrossEntropyWithLogitsOp.apply(logits, target);
    }

    /** Cross-entropy on logits [n, k] with one class index per row: -(1/n) Σ_i log softmax(x_i)[c_i]. */
    public static Tensor crossEntropy(Tensor logits, int[] classes) {
        need(logits, "cross_entropy", "logits");
        need(classes, "cross_entropy", "classes");
        return SoftmaxCrossEntropyOp.apply(logits, classes);
    }

    /**
     * Cross-entropy on logits [n, k] against an int64 tensor of class indices [n] (as {@link
     * #crossEntropy(Tensor, int[])}), or probability rows y [n, k] as targets:
     * -(1/n) Σ_i Σ_k y_ik log softmax(x_i)_k. Logits of a sequence model [N, T, V] (any rank, the
     * classes last) take int64 indices [N, T]: the mean over all N·T positions.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        need(logits, "cross_entropy", "logits");
        need(target, "cross_entropy", "target");
        if (target.dtype() == DType.INT64) {
            if (logits.rank() >= 3 && target.rank() == logits.rank() - 1
                    && java.util.Arrays.equals(target.shape(), java.util.Arrays.copyOf(logits.shape(), target.rank()))) {
                // Logits [N, T, V] against classes [N, T]: every position one row, the mean over all N·T.
                return SoftmaxCrossEntropyOp.apply(logits.reshape(-1, logits.size(-1)), target.toIntArray());
            }
            if (target.rank() != 1) {
                throw new io.backprop4j.ShapeException("cross_entropy: class indices " + Shapes.str(target.shape()) + " do not fit logits "
                        + Shapes.str(logits.shape()) + ": expected [n] for logits [n, classes], or the logits' shape without its last dim");
            }
            return SoftmaxCrossEntropyOp.apply(logits, target.toIntArray());
        }
        return SoftmaxCrossEntropyOp.apply(logits, target);
    }

    /**
     * Cross-entropy on logits [.., k] against int64 class indices of the logits' shape without
     * its last dim (as {@link #crossEntropy(Tensor, Tensor)}), PyTorch's {@code ignore_index}:
     * positions whose index is {@code ignoreIndex} (padding) are left out, and the mean is over
     * the others (NaN when none is left, as in PyTorch).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, int ignoreIndex) {
        need(logits, "cross_entropy", "logits");
        need(target, "cross_entropy", "target");
        if (target.dtype() != DType.INT64) throw new io.backprop4j.BackpropException("cross_entropy: an ignore index needs int64 class indices, got " + target.dtype());
        if (logits.rank() < 2 || target.rank() != logits.rank() - 1
                || !java.util.Arrays.equals(target.shape(), java.util.Arrays.copyOf(logits.shape(), target.rank()))) {
            throw new io.backprop4j.ShapeException("cross_entropy: class indices " + Shapes.str(target.shape()) + " do not fit logits "
                    + Shapes.str(logits.shape()) + ": expected the logits' shape without its last dim");
        }
        return SoftmaxCrossEntropyOp.apply(logits.reshape(-1, logits.size(-1)), target.toIntArray(), ignoreIndex);
    }

    /** Negative log-likelihood of log-probabilities [n, k] at class indices: -(1/n) Σ_i x[i, c_i]. */
    public static Tensor nllLoss(Tensor logProbabilities, int[] classes) {
        need(logProbabilities, "nll_loss", "log-probabilities");
        need(classes, "nll_loss", "classes");
        return NllLossOp.apply(logProbabilities, classes);
    }

    /**
     * The gradient of softmax at the output {@code s} along {@code dim}, given the gradient
     * {@code g} from above: s ⊙ (g − Σ_j g_j s_j), the Jacobian diag(s) − s sᵀ applied to g. The
     * backward of {@link Tensor#softmax} uses it; so can a worked solution whose outputs were
     * written by hand (and may not sum to 1). Not recorded.
     */
    public static Tensor softmaxBackward(Tensor g, Tensor s, int dim) {
        need(g, "softmax_backward", "gradient");
        need(s, "softmax_backward", "output");
        if (!g.sameShape(s)) {
            throw new io.backprop4j.ShapeException("softmax_backward: gradient " + Shapes.str(g.shape()) + " and output "
                    + Shapes.str(s.shape()) + " differ in shape");
        }
        Loops.sameDType("softmax_backward", g, s);
        return SoftmaxOp.backward(g, s, Shapes.axis("softmax_backward", dim, Math.max(s.rank(), 1)));
    }

    // ---------------------------------------------------------------- convolution and pooling (NCHW)

    /**
     * 2-D convolution (PyTorch's conv2d, a cross-correlation) with stride 1, no padding, no
     * dilation, one group; see {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)}.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    }

    /** 2-D convolution with the same stride and padding along both axes, no dilation, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1);
    }

    /**
     * 2-D convolution as PyTorch's {@code F.conv2d}: input x [N, C, H, W] (or [C, H, W], one image
     * without the batch dim), weight w [O, C/G, kH, kW], bias b [O] or null, output
     * [N, O, OH, OW] with
     * <pre>
     *   y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x[n, g·C/G + c, i·sH − pH + u·dH, j·sW − pW + v·dW]
     *   OH = ⌊(H + 2pH − dH·(kH − 1) − 1) / sH⌋ + 1      (OW alike)
     * </pre>
     * where g = o / (O/G) is the group of filter o and taps in the zero padding count 0. {@code
     * stride}, {@code padding} and {@code dilation} hold {H, W} values. Backward: dx is the
     * transposed convolution of the gradient with w, dw[o, c, u, v] = Σ_{n,i,j} g[n, o, i, j] ·
     * x[n, .., i·sH − pH + u·dH, ..] (the correlation of the input with the gradient), db = Σ_{n,i,j} g.
     *
     * <pre>{@code
     * Tensor y = Functional.conv2d(x, w, b, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
     * // x [128, 1, 28, 28], w [16, 1, 3, 3], b [16]: y [128, 16, 28, 28]
     * }</pre>
     *
     * @throws io.backprop4j.ShapeException naming both shapes when the channels do not match the
     *         weight and groups, the kernel is larger than the padded input, or the bias does not fit
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        need(input, "conv2d", "input");
        need(weight, "conv2d", "weight");
        if (input.rank() == 3) return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        return Conv2dOp.apply(input, weight, bias, stride, padding, dilation, groups);
    }

    /** 1-D convolution with stride 1, no padding, no dilation, one group. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) {
        return conv1d(input, weight, bias, 1, 0, 1, 1);
    }

    /**
     * 1-D convolution as PyTorch's {@code F.conv1d}: input [N, C, L] (or [C, L]), weight
     * [O, C/G, k], bias [O] or null, output [N, O, (L + 2p − d(k − 1) − 1) / s + 1] with
     * y[n, o, i] = b[o] + Σ_{c, u} w[o, c, u] · x[n, g·C/G + c, i·s − p + u·d]. Computed as
     * {@link #conv2d} on [N, C, 1, L] views.
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        need(input, "conv1d", "input");
        need(weight, "conv1d", "weight");
        if (input.rank() == 2) return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        int[] s = {stride}, p = {padding}, d = {dilation};
        Conv2dOp.geometry("conv1d", input, weight, bias, s, p, d, groups);
        return Conv2dOp.apply(input.unsqueeze(2), weight.unsqueeze(2), bias, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, groups).squeeze(2);
    }

    /** Max pooling with a square window, stride = the window, no padding; see {@link #maxPool2d(Tensor, int[], int[], int[], int[], boolean)}. */
    public static Tensor maxPool2d(Tensor input, int kernel) {
        return maxPool2d(input, new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0}, new int[] {1, 1}, false);
    }

    /**
     * 2-D max pooling as PyTorch's {@code F.max_pool2d}: input [N, C, H, W] (or [C, H, W]) to
     * [N, C, OH, OW], each output the largest input of its window, rows i·sH − pH + u·dH (u <
     * kH) and columns alike; taps in the padding never win, the first of equal values does, and a
     * NaN wins over numbers. OH = ⌊(H + 2pH − dH(kH − 1) − 1 (+ sH − 1 in ceil mode)) / sH⌋ + 1.
     * Backward: each output's gradient goes to the input that won its window, and only to it.
     *
     * @throws io.backprop4j.ShapeException when the padding exceeds half the kernel or the window does not fit the padded input
     */
    public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        need(input, "max_pool2d", "input");
        return MaxPool2dOp.apply(input, PoolWindow.of("max_pool2d", input, kernel, stride, padding, dilation, ceilMode));
    }

    /** Average pooling with a square window, stride = the window, no padding; see {@link #avgPool2d(Tensor, int[], int[], int[], boolean, boolean, int)}. */
    public static Tensor avgPool2d(Tensor input, int kernel) {
        return avgPool2d(input, new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0}, false, true, 0);
    }

    /**
     * 2-D average pooling as PyTorch's {@code F.avg_pool2d}: each output is the sum of its
     * window's inputs (rows i·sH − pH + u, u < kH; columns alike) over a divisor: {@code
     * divisorOverride} when positive, else the number of window taps inside the padded input
     * ({@code countIncludePad}, PyTorch's default) or inside the input only. Backward: each input
     * of a window gets the window's gradient / divisor.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, int divisorOverride) {
        need(input, "avg_pool2d", "input");
        if (divisorOverride < 0) throw new io.backprop4j.ShapeException("avg_pool2d: divisor_override must be positive (or 0 for none), got " + divisorOverride);
        PoolWindow p = PoolWindow.of("avg_pool2d", input, kernel, stride, padding, new int[] {1, 1}, ceilMode);
        return AvgPool2dOp.apply(input, p, countIncludePad, divisorOverride);
    }

    /**
     * Adaptive average pooling as PyTorch's {@code F.adaptive_avg_pool2d}: input [.., H, W] to
     * [.., outH, outW], output (i, j) the mean of input rows [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉) and
     * columns [⌊j·W/outW⌋, ⌈(j+1)·W/outW⌉). outH = outW = 1 is global average pooling.
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int outH, int outW) {
        need(input, "adaptive_avg_pool2d", "input");
        if (input.rank() != 3 && input.rank() != 4) {
            throw new io.backprop4j.ShapeException("adaptive_avg_pool2d: input must be 4-D [batch, channels, height, width] or 3-D, got "
                    + Shapes.str(input.shape()));
        }
        if (!input.dtype().isFloatingPoint()) {
            throw new io.backprop4j.BackpropException("adaptive_avg_pool2d: input is " + input.dtype() + "; convert it with .to(DType.FLOAT32)");
        }
        if (outH < 1 || outW < 1) {
            throw new io.backprop4j.ShapeException("adaptive_avg_pool2d: output size must be positive, got [" + outH + ", " + outW + "]");
        }
        if (input.size(-2) == 0 || input.size(-1) == 0) {
            throw new io.backprop4j.ShapeException("adaptive_avg_pool2d: input " + Shapes.str(input.shape()) + " has an empty plane");
        }
        return AdaptiveAvgPool2dOp.apply(input, outH, outW);
    }

    /**
     * Batch normalisation as PyTorch's {@code F.batch_norm}, per channel (dim 1) of x [N, C, *]:
     * y = (x − μ)/√(σ² + ε)·γ + β. In training, μ and σ² are the batch's mean and biased variance
     * over N and the positions after dim 1, and the running statistics (when not null) are updated
     * in place: r = (1 − momentum)·r + momentum·μ, and likewise the variance with the unbiased
     * σ²·M/(M − 1), M = N·(positions). Otherwise the running statistics are used. weight γ and bias
     * β [C] may be null. Backward (training): dx = (g − mean(g) − x̂·mean(g·x̂))·γ/√(σ² + ε), with
     * x̂ the normalised input; dγ = Σ g·x̂, dβ = Σ g.
     */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        need(input, "batch_norm", "input");
        return BatchNormOp.apply(input, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    // ---------------------------------------------------------------- sequences

    /**
     * A table lookup, PyTorch's {@code F.embedding}: out[..., :] = weight[indices[...], :], weight
     * [V, D], indices int64 of any shape, out [..., D]. Backward: each output row's gradient is
     * added into the weight gradient's row at its index.
     *
     * @throws io.backprop4j.ShapeException naming the index when one is outside [0, V)
     */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        need(indices, "embedding", "indices");
        need(weight, "embedding", "weight");
        return EmbeddingOp.apply(weight, indices);
    }

    /**
     * Layer normalisation over the last dim, PyTorch's {@code F.layer_norm(x, [D], γ, β, ε)}: x
     * [..., D], y = (x − μ)/√(σ² + ε)·γ + β with μ and σ² (biased) the mean and variance of each
     * row of D values; γ and β [D] may be null. Backward, x̂ = (x − μ)/√(σ² + ε): dx =
     * (gγ − mean(gγ) − x̂·mean(gγ·x̂))/√(σ² + ε), dγ = Σ g·x̂, dβ = Σ g.
     */
    public static Tensor layerNorm(Tensor input, Tensor weight, Tensor bias, double eps) {
        need(input, "layer_norm", "input");
        return LayerNormOp.apply(input, weight, bias, eps);
    }

    /**
     * One tanh RNN layer over a window, time major (PyTorch's formula): x [T, N, I], h0 [N, H]
     * (null: zeros), weightIh [H, I], weightHh [H, H], biases [H] (null: none); returns every h_t,
     * [T, N, H]: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh). Backward is
     * backpropagation through time over the whole window.
     */
    public static Tensor rnnTanh(Tensor x, Tensor h0, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
        recurrentNeed("rnn_tanh", x, weightIh, weightHh);
        return RecurrentOp.apply(io.backprop4j.internal.kernel.Recurrent.Cell.RNN_TANH, x, h0, null, weightIh, weightHh, biasIh, biasHh);
    }

    /**
     * One LSTM layer over a window, time major (PyTorch's formulas and gate order i, f, g, o):
     * x [T, N, I], h0 and c0 [N, H] (null: zeros), weightIh [4H, I], weightHh [4H, H], biases
     * [4H] (null: none). Returns {every h_t [T, N, H], every c_t [T, N, H]}, with
     * <pre>
     *   [i f g o] = x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh,   i, f, o through σ, g through tanh
     *   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
     * </pre>
     * Backward is backpropagation through time over the whole window (gradients may arrive at
     * any h_t and c_t).
     */
    public static Tensor[] lstm(Tensor x, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
        recurrentNeed("lstm", x, weightIh, weightHh);
        Tensor out = RecurrentOp.apply(io.backprop4j.internal.kernel.Recurrent.Cell.LSTM, x, h0, c0, weightIh, weightHh, biasIh, biasHh);
        int h = weightHh.size(1);
        return new Tensor[] {out.narrow(2, 0, h), out.narrow(2, h, h)};
    }

    /**
     * One GRU layer over a window, time major (PyTorch's formulas and gate order r, z, n): x
     * [T, N, I], h0 [N, H] (null: zeros), weightIh [3H, I], weightHh [3H, H], biases [3H] (null:
     * none); returns every h_t, [T, N, H]:
     * <pre>
     *   r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr),   z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
     *   n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
     * </pre>
     */
    public static Tensor gru(Tensor x, Tensor h0, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
        recurrentNeed("gru", x, weightIh, weightHh);
        return RecurrentOp.apply(io.backprop4j.internal.kernel.Recurrent.Cell.GRU, x, h0, null, weightIh, weightHh, biasIh, biasHh);
    }

    private static void recurrentNeed(String op, Tensor x, Tensor wih, Tensor whh) {
        need(x, op, "input");
        need(wih, op, "input-to-hidden weight");
        need(whh, op, "hidden-to-hidden weight");
    }

    /**
     * The fused softmax of attention: softmax(α·scores + M) along the last dim of scores
     * [..., T, S] (queries by keys), with M = −∞ at the masked keys and 0 elsewhere: when {@code
     * causal}, key j is masked for query i when j > i + S − T (each position sees itself and
     * those before it); {@code mask} (bool, broadcast to the scores' shape, true = masked out; or
     * null) masks more. A row with every key masked is NaN, as in PyTorch. Backward: dscores =
     * α·y ⊙ (g − Σ_j g_j y_j).
     */
    public static Tensor attentionSoftmax(Tensor scores, double alpha, boolean causal, Tensor mask) {
        need(scores, "attention_softmax", "scores");
        return AttentionSoftmaxOp.apply(scores, alpha, causal, mask);
    }

    /**
     * Scaled dot-product attention, PyTorch's {@code F.scaled_dot_product_attention} without
     * dropout: softmax(q kᵀ/√d + M) v for q [..., T, d], k [..., S, d], v [..., S, dv], M as in
     * {@link #attentionSoftmax}; returns [..., T, dv]. The products are batched matmuls over the
     * leading dims.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor mask) {
        need(q, "scaled_dot_product_attention", "query");
        need(k, "scaled_dot_product_attention", "key");
        need(v, "scaled_dot_product_attention", "value");
        Tensor weights = attentionSoftmax(q.matmul(k.transpose(-1, -2)), 1 / Math.sqrt(q.size(-1)), causal, mask);
        return weights.matmul(v);
    }

    /**
     * Multi-head self-attention of packed projections, fused: {@code qkv} [N, T, 3E] holds q, k
     * and v side by side (as one linear layer of 3E outputs gives them), each split into
     * {@code heads} heads of d = E/heads columns; returns [N, T, E], head i's
     * softmax(q_i k_iᵀ/√d + M) v_i in columns [i·d, (i+1)·d), M = −∞ at the keys after each
     * query when {@code causal}. The same as splitting the heads out with reshape and permute and
     * calling {@link #scaledDotProductAttention}, without the copies and the small batched products.
     */
    public static Tensor selfAttention(Tensor qkv, int heads, boolean causal) {
        need(qkv, "self_attention", "qkv");
        return SelfAttentionOp.apply(qkv, heads, causal);
    }

    private static void need(Object value, String op, String what) {
        if (value == null) throw new io.backprop4j.BackpropException(op + ": " + what + " is null");
    }
}
