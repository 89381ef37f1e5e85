package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.autograd.GradCheck;
import io.backprop4j.loss.Losses;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A float64 central-difference gradient check of every primitive op on random shapes, and a
 * registry check that no primitive of {@link Primitive} goes unchecked, and that each case really
 * runs the primitive it claims to check.
 */
class GradCheckTest {
    private static final int TRIALS = 4;

    /** A check: builds random inputs for a trial and the function to differentiate. */
    private record Case(Class<? extends Primitive> op, Function<RandomGenerator, Tensor[]> inputs, Function<Tensor[], Tensor> f, double eps) {}

    private static final Map<String, Case> CASES = new LinkedHashMap<>();

    private static int dim(RandomGenerator r) {
        return 1 + r.nextInt(4);
    }

    private static Tensor rnd(RandomGenerator r, int... shape) {
        return Tensor.randn(r, DType.FLOAT64, shape).requiresGrad(true);
    }

    /** Values kept at least 0.05 away from zero, for ops with a kink there. */
    private static Tensor awayFromZero(RandomGenerator r, int... shape) {
        Tensor t = Tensor.randn(r, DType.FLOAT64, shape);
        for (int i = 0; i < t.numel(); i++) {
            double v = t.getFlat(i);
            t.setFlat(i, v >= 0 ? v + 0.05 : v - 0.05);
        }
        return t.requiresGrad(true);
    }

    /** Distinct values at least 0.01 apart (a shuffled grid plus small noise): no ties for max pooling. */
    private static Tensor distinct(RandomGenerator r, int... shape) {
        int n = Shapes.numel(shape);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--) { int j = r.nextInt(i + 1), t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (perm[i] - n / 2.0) * 0.05 + r.nextDouble() * 0.02;
        return Tensor.of(v, shape).requiresGrad(true);
    }

    private static Tensor positive(RandomGenerator r, int... shape) {
        Tensor t = Tensor.uniform(r, 0.3, 2.5, DType.FLOAT64, shape);
        return t.requiresGrad(true);
    }

    private static void add(String name, Class<? extends Primitive> op, Function<RandomGenerator, Tensor[]> in, Function<Tensor[], Tensor> f) {
        CASES.put(name, new Case(op, in, f, GradCheck.EPS));
    }

    static {
        add("add broadcast", AddOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, a, b), rnd(r, b)}; }, in -> in[0].add(in[1]));
        add("sub broadcast", SubOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, a, 1), rnd(r, 1, b)}; }, in -> in[0].sub(in[1]));
        add("mul broadcast", MulOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, 2, a, b), rnd(r, a, 1)}; }, in -> in[0].mul(in[1]));
        add("div", DivOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, a, b), positive(r, b)}; }, in -> in[0].div(in[1]));
        add("neg", NegOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].neg());
        add("exp", ExpOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].exp());
        add("log", LogOp.class, r -> new Tensor[] {positive(r, dim(r), dim(r))}, in -> in[0].log());
        add("sqrt", SqrtOp.class, r -> new Tensor[] {positive(r, dim(r), dim(r))}, in -> in[0].sqrt());
        add("abs", AbsOp.class, r -> new Tensor[] {awayFromZero(r, dim(r), dim(r))}, in -> in[0].abs());
        add("pow", PowScalarOp.class, r -> new Tensor[] {positive(r, dim(r), dim(r))}, in -> in[0].pow(2.5).add(in[0].square()));
        add("tanh", TanhOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].tanh());
        add("sigmoid", SigmoidOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].sigmoid());
        add("relu", ReLUOp.class, r -> new Tensor[] {awayFromZero(r, dim(r), dim(r))}, in -> in[0].relu());
        add("leaky_relu", LeakyReLUOp.class, r -> new Tensor[] {awayFromZero(r, dim(r), dim(r))}, in -> in[0].leakyRelu(0.1));
        add("elu", ELUOp.class, r -> new Tensor[] {awayFromZero(r, dim(r), dim(r))}, in -> in[0].elu(0.7));
        add("softplus", SoftplusOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].softplus());
        add("gelu", GELUOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].gelu());
        add("sum dims", SumOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r), dim(r))}, in -> in[0].sum(new int[] {0, 2}, false));
        add("max", MaxOp.class, r -> new Tensor[] {rnd(r, dim(r), 3)}, in -> in[0].max(1, false));
        add("logsumexp", LogSumExpOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].logsumexp(0, true));
        add("matmul batched", MatMulOp.class, r -> { int m = dim(r), k = dim(r), n = dim(r); return new Tensor[] {rnd(r, 2, m, k), rnd(r, k, n)}; },
                in -> in[0].matmul(in[1]));
        add("matmul transposed view", MatMulOp.class, r -> { int m = dim(r), k = dim(r), n = dim(r); return new Tensor[] {rnd(r, k, m), rnd(r, n, k)}; },
                in -> in[0].t().matmul(in[1].t()));
        add("linear", LinearOp.class, r -> { int n = dim(r), i = dim(r), o = dim(r); return new Tensor[] {rnd(r, n, i), rnd(r, i, o), rnd(r, o)}; },
                in -> Functional.linear(in[0], in[1], in[2]));
        add("permute", PermuteOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r), dim(r))}, in -> in[0].permute(2, 0, 1).mul(in[0].permute(2, 0, 1)));
        add("reshape", ReshapeOp.class, r -> new Tensor[] {rnd(r, 2, 3, dim(r))}, in -> in[0].reshape(3, -1).exp());
        add("expand", ExpandOp.class, r -> new Tensor[] {rnd(r, dim(r), 1)}, in -> in[0].expand(2, -1, 3).exp());
        add("narrow", NarrowOp.class, r -> new Tensor[] {rnd(r, 4, dim(r))}, in -> in[0].narrow(0, 1, 2).tanh());
        add("index_select", IndexSelectOp.class, r -> new Tensor[] {rnd(r, 3, dim(r))}, in -> in[0].indexSelect(0, 2, 0, 2).exp());
        add("concat", ConcatOp.class, r -> { int a = dim(r); return new Tensor[] {rnd(r, a, 2), rnd(r, a, dim(r))}; }, in -> Tensor.concat(1, in[0], in[1]).tanh());
        add("copy", CopyOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].t().contiguous().exp());
        // Linear after the cast, with a step large enough that float32 rounding is negligible.
        CASES.put("cast", new Case(CastOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))},
                in -> in[0].to(DType.FLOAT32).mul(3.0).to(DType.FLOAT64), 1e-2));
        add("softmax", SoftmaxOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].softmax(0));
        add("log_softmax", LogSoftmaxOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].logSoftmax(-1));
        add("bce", BinaryCrossEntropyOp.class, r -> { int a = dim(r), b = dim(r);
                    return new Tensor[] {Tensor.uniform(r, 0.05, 0.95, DType.FLOAT64, a, b).requiresGrad(true),
                                         Tensor.uniform(r, 0, 1, DType.FLOAT64, a, b).requiresGrad(true)}; },
                in -> Losses.binaryCrossEntropy(in[0], in[1]));
        add("bce with logits", BinaryCrossEntropyWithLogitsOp.class, r -> { int a = dim(r), b = dim(r);
                    return new Tensor[] {rnd(r, a, b), Tensor.uniform(r, 0, 1, DType.FLOAT64, a, b).requiresGrad(true)}; },
                in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1]));
        add("cross entropy soft targets", SoftmaxCrossEntropyOp.class, r -> { int a = dim(r), b = dim(r);
                    return new Tensor[] {rnd(r, a, b), Tensor.uniform(r, 0, 1, DType.FLOAT64, a, b).requiresGrad(true)}; },
                in -> Losses.crossEntropy(in[0], in[1]));
        add("cross entropy indices", SoftmaxCrossEntropyOp.class, r -> new Tensor[] {rnd(r, 3, 4)},
                in -> Losses.crossEntropy(in[0], new int[] {3, 0, 3}));
        add("sin", SinOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].sin());
        add("cos", CosOp.class, r -> new Tensor[] {rnd(r, dim(r), dim(r))}, in -> in[0].cos());
        // Bounds kept away from the values (awayFromZero is at least 0.05 from 0, the bounds at ±0.02 are not hit).
        add("clamp", ClampOp.class, r -> new Tensor[] {awayFromZero(r, dim(r), dim(r))}, in -> in[0].clamp(-0.02, 0.02).add(in[0].clamp(-0.5, Double.POSITIVE_INFINITY)));
        add("maximum broadcast", MaximumOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, a, b), rnd(r, b)}; },
                in -> in[0].maximum(in[1]));
        add("minimum broadcast", MinimumOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, a, 1), rnd(r, 1, b)}; },
                in -> in[0].minimum(in[1]));
        add("pow tensor broadcast", PowOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {positive(r, a, b), rnd(r, b)}; },
                in -> in[0].pow(in[1]));
        add("where broadcast", WhereOp.class, r -> { int a = dim(r), b = dim(r); return new Tensor[] {rnd(r, a, b), rnd(r, b)}; },
                in -> Tensor.where(in[0].gt(0), in[0], in[1]));
        add("gather", GatherOp.class, r -> new Tensor[] {rnd(r, 3, 4)},
                in -> in[0].gather(1, Tensor.of(new int[] {3, 0, 0, 1, 2, 2}, 3, 2)).exp());
        add("nll", NllLossOp.class, r -> new Tensor[] {rnd(r, 3, 4)}, in -> Losses.nll(in[0].logSoftmax(1), new int[] {1, 0, 3}));
        // Convolution and pooling on odd shapes: strides, paddings, dilations, groups, non-square kernels and images.
        add("conv2d", Conv2dOp.class, r -> {
                    int groups = 1 + r.nextInt(2), c = groups * dim(r), o = groups * dim(r), kh = dim(r), kw = 1 + r.nextInt(3);
                    return new Tensor[] {rnd(r, 1 + r.nextInt(2), c, kh + r.nextInt(4), kw + 2 + r.nextInt(3)), rnd(r, o, c / groups, kh, kw), rnd(r, o)}; },
                in -> {
                    int groups = in[0].size(1) / in[1].size(1);
                    return Functional.conv2d(in[0], in[1], in[2], new int[] {1 + in[0].size(0) % 2, 2}, new int[] {in[1].size(2) / 2, 1},
                            new int[] {1, in[1].size(3) > 2 ? 1 : 2}, groups); });
        add("conv2d without bias, 1x1", Conv2dOp.class, r -> new Tensor[] {rnd(r, 2, 3, dim(r), dim(r)), rnd(r, 2, 3, 1, 1)},
                in -> Functional.conv2d(in[0], in[1], null));
        add("conv1d", Conv2dOp.class, r -> new Tensor[] {rnd(r, 2, 4, 5 + r.nextInt(4)), rnd(r, 4, 2, 3), rnd(r, 4)},
                in -> Functional.conv1d(in[0], in[1], in[2], 2, 1, 1, 2));
        add("max_pool2d", MaxPool2dOp.class, r -> new Tensor[] {distinct(r, 2, 2, 4 + r.nextInt(3), 5 + r.nextInt(3))},
                in -> Functional.maxPool2d(in[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 2}, true));
        add("max_pool2d plain", MaxPool2dOp.class, r -> new Tensor[] {distinct(r, 3, 5, 7)}, in -> Functional.maxPool2d(in[0], 2));
        add("avg_pool2d", AvgPool2dOp.class, r -> new Tensor[] {rnd(r, 2, dim(r), 4 + r.nextInt(3), 5)},
                in -> Functional.avgPool2d(in[0], new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, true, false, 0).sum(new int[] {2, 3}, false)
                        .add(Functional.avgPool2d(in[0], 2).exp().sum(new int[] {2, 3}, false)));
        add("avg_pool2d divisor", AvgPool2dOp.class, r -> new Tensor[] {rnd(r, 1, 2, 5, 4)},
                in -> Functional.avgPool2d(in[0], new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 1}, false, true, 5));
        add("batch_norm training", BatchNormOp.class, r -> new Tensor[] {rnd(r, 3, 2, dim(r), dim(r) + 1), rnd(r, 2), rnd(r, 2)},
                in -> Functional.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5));
        add("batch_norm training, no affine, [N, C]", BatchNormOp.class, r -> new Tensor[] {rnd(r, 4 + r.nextInt(3), dim(r))},
                in -> Functional.batchNorm(in[0], null, null, null, null, true, 0.1, 1e-3));
        add("batch_norm eval", BatchNormOp.class, r -> new Tensor[] {rnd(r, 2, 3, dim(r)), rnd(r, 3), rnd(r, 3)},
                in -> Functional.batchNorm(in[0], Tensor.vector(0.1, -0.2, 0.3), Tensor.vector(0.5, 1.5, 2), in[1], in[2], false, 0.1, 1e-5));
        add("adaptive_avg_pool2d", AdaptiveAvgPool2dOp.class, r -> new Tensor[] {rnd(r, dim(r), 2, 5 + r.nextInt(3), dim(r) + 1)},
                in -> Functional.adaptiveAvgPool2d(in[0], 3, 2));
        // Sequences: repeated indices, odd lengths, batch 1 and 5, gradients arriving at every step (and every cell state).
        add("embedding", EmbeddingOp.class, r -> new Tensor[] {rnd(r, 5, dim(r))},
                in -> Functional.embedding(Tensor.of(new int[] {4, 0, 4, 2, 2, 1}, 2, 3), in[0]).exp());
        add("layer_norm", LayerNormOp.class, r -> { int d = 2 + r.nextInt(5); return new Tensor[] {rnd(r, 2, dim(r), d), rnd(r, d), rnd(r, d)}; },
                in -> Functional.layerNorm(in[0], in[1], in[2], 1e-5));
        add("layer_norm without affine", LayerNormOp.class, r -> new Tensor[] {rnd(r, dim(r), 3 + r.nextInt(3))},
                in -> Functional.layerNorm(in[0], null, null, 1e-3).exp());
        add("rnn_tanh", RecurrentOp.class, r -> recurrentInputs(r, 1, 1 + 2 * r.nextInt(2), r.nextBoolean() ? 1 : 5, false),
                in -> Functional.rnnTanh(in[0], in[1], in[2], in[3], in[4], in[5]));
        add("rnn_tanh from zeros, no bias", RecurrentOp.class, r -> { Tensor[] t = recurrentInputs(r, 1, 4, 2, false); return new Tensor[] {t[0], t[2], t[3]}; },
                in -> Functional.rnnTanh(in[0], null, in[1], in[2], null, null));
        add("lstm", RecurrentOp.class, r -> recurrentInputs(r, 4, 1 + 2 * r.nextInt(2), r.nextBoolean() ? 1 : 5, true),
                in -> Tensor.concat(2, Functional.lstm(in[0], in[1], in[6], in[2], in[3], in[4], in[5])));
        add("lstm from zeros", RecurrentOp.class, r -> { Tensor[] t = recurrentInputs(r, 4, 2, 3, true); return new Tensor[] {t[0], t[2], t[3], t[4], t[5]}; },
                in -> Functional.lstm(in[0], null, null, in[1], in[2], in[3], in[4])[0]);
        add("gru", RecurrentOp.class, r -> recurrentInputs(r, 3, 1 + 2 * r.nextInt(2), r.nextBoolean() ? 1 : 5, false),
                in -> Functional.gru(in[0], in[1], in[2], in[3], in[4], in[5]));
        add("gru from zeros", RecurrentOp.class, r -> { Tensor[] t = recurrentInputs(r, 3, 4, 1, false); return new Tensor[] {t[0], t[2], t[3], t[4], t[5]}; },
                in -> Functional.gru(in[0], null, in[1], in[2], in[3], in[4]));
        add("cross entropy [N, T, V] ignore index", SoftmaxCrossEntropyOp.class, r -> new Tensor[] {rnd(r, 2, 3, 4)},
                in -> Functional.crossEntropy(in[0], Tensor.of(new int[] {3, -100, 0, 1, -100, 2}, 2, 3), -100));
        add("attention_softmax causal", AttentionSoftmaxOp.class, r -> { int t = 1 + r.nextInt(3); return new Tensor[] {rnd(r, 2, t, t + r.nextInt(2))}; },
                in -> Functional.attentionSoftmax(in[0], 0.7, true, null));
        add("self_attention causal", SelfAttentionOp.class, r -> new Tensor[] {rnd(r, 1 + r.nextInt(2), 1 + r.nextInt(4), 3 * 2 * (1 + r.nextInt(2)))},
                in -> Functional.selfAttention(in[0], 2, true));
        add("self_attention full", SelfAttentionOp.class, r -> new Tensor[] {rnd(r, 2, 1 + r.nextInt(4), 9)},
                in -> Functional.selfAttention(in[0], 3, false));
        add("attention_softmax mask", AttentionSoftmaxOp.class, r -> new Tensor[] {rnd(r, 2, 3, 3, 4)},
                in -> Functional.attentionSoftmax(in[0].transpose(1, 2), 1.3, false,
                        Tensor.of(new boolean[] {false, true, false, false, false, false, true, true}, 2, 1, 1, 4)));
    }

    /** x [T, N, I], h0 [N, H], W_ih [G·H, I], W_hh [G·H, H], b_ih, b_hh [G·H] and (lstm) c0 [N, H], small weights. */
    private static Tensor[] recurrentInputs(RandomGenerator r, int gates, int steps, int n, boolean lstm) {
        int in = 1 + r.nextInt(3), h = 1 + r.nextInt(3);
        Tensor[] t = {rnd(r, steps, n, in), rnd(r, n, h), rnd(r, gates * h, in), rnd(r, gates * h, h), rnd(r, gates * h), rnd(r, gates * h),
            rnd(r, n, h)};
        return lstm ? t : Arrays.copyOf(t, 6);
    }

    @TestFactory
    Stream<DynamicTest> everyPrimitive() {
        return CASES.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            RandomGenerator rng = new SplittableRandom(e.getKey().hashCode());
            for (int t = 0; t < TRIALS; t++) {
                GradCheck.check(e.getValue().f(), rng, e.getValue().eps(), e.getValue().inputs().apply(rng));
            }
        }));
    }

    /** A new primitive without a gradient check fails here. */
    @Test
    void everyPrimitiveIsChecked() {
        Set<Class<?>> checked = CASES.values().stream().map(Case::op).collect(Collectors.toSet());
        Set<String> missing = new HashSet<>();
        for (Class<?> c : Primitive.class.getPermittedSubclasses()) if (!checked.contains(c)) missing.add(c.getSimpleName());
        assertTrue(missing.isEmpty(), "primitives without a gradient check: " + missing);
        assertTrue(Primitive.class.getPermittedSubclasses().length >= 30, Arrays.toString(Primitive.class.getPermittedSubclasses()));
    }

    /** A case that claims a primitive but never records it would check nothing: its graph must hold the op. */
    @Test
    void everyCaseRunsItsPrimitive() {
        for (var e : CASES.entrySet()) {
            RandomGenerator rng = new SplittableRandom(e.getKey().hashCode());
            Tensor out = e.getValue().f().apply(e.getValue().inputs().apply(rng));
            assertTrue(recorded(out, e.getValue().op()), e.getKey() + " does not record " + e.getValue().op().getSimpleName());
        }
    }

    private static boolean recorded(Tensor t, Class<?> op) {
        Op fn = t.gradFn();
        if (fn == null) return false;
        if (op.isInstance(fn)) return true;
        for (Tensor in : fn.inputs()) if (in != null && recorded(in, op)) return true;
        return false;
    }

    @Test
    void gradCheckCatchesAWrongGradient() {
        // x.abs() at a kink-free point is fine; a deliberately wrong function (value of one op, gradient of another) is not:
        Tensor x = Tensor.vector(0.3, -0.7).requiresGrad(true);
        Function<Tensor[], Tensor> wrong = in -> in[0].detach().exp().add(in[0].mul(0.0));
        BackpropException e = assertThrows(BackpropException.class, () -> GradCheck.check(wrong, new SplittableRandom(1), x));
        assertTrue(e.getMessage().contains("analytic"), e.getMessage());
    }

    @Test
    void gradientsAccumulateWhenATensorIsUsedTwice() {
        Tensor x = Tensor.vector(2.0).requiresGrad(true);
        x.mul(x).add(x).sum().backward(); // d/dx (x² + x) = 2x + 1 = 5
        assertEquals(5.0, x.grad().item(), 0);
        x.mul(3.0).sum().backward();      // a second backward adds 3
        assertEquals(8.0, x.grad().item(), 0);
    }
}
