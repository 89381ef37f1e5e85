package io.backprop4j.nn;

import static io.backprop4j.testing.Fixtures.assertClose;
import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.autograd.GradCheck;
import io.backprop4j.loss.Losses;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The sequence layers (issue 16) against PyTorch (fixtures/sequences.json, made by
 * tools/fixtures/make_sequence_fixtures.py) in float64 and float32, float64 gradient checks of the
 * whole modules (several layers, batch first, batch 1 and 5, odd lengths, initial and final
 * states, masks), and their bad-input messages.
 */
class SequenceLayersTest {
    private static final double RTOL64 = 1e-9, ATOL64 = 1e-11, RTOL32 = 2e-4, ATOL32 = 2e-5;

    // ---------------------------------------------------------------- PyTorch agreement

    @TestFactory
    Stream<DynamicTest> agreesWithPyTorch() {
        List<Map<String, Object>> cases = Fixtures.cases("sequences");
        assertTrue(cases.size() >= 21, "cases: " + cases.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            for (DType dtype : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                tests.add(DynamicTest.dynamicTest(c.get("name") + " " + dtype, () -> check(c, dtype)));
            }
        }
        return tests.stream();
    }

    private static void check(Map<String, Object> c, DType dtype) {
        String name = (String) c.get("name");
        double rtol = dtype == DType.FLOAT64 ? RTOL64 : RTOL32, atol = dtype == DType.FLOAT64 ? ATOL64 : ATOL32;
        var rng = new SplittableRandom(1);
        switch ((String) c.get("kind")) {
            case "rnn", "lstm", "gru" -> {
                int in = num(c, "input"), hidden = num(c, "hidden"), layers = num(c, "layers");
                boolean bias = (Boolean) c.get("bias"), batchFirst = (Boolean) c.get("batch_first");
                RecurrentLayer m = switch ((String) c.get("kind")) {
                    case "rnn" -> new RNN(in, hidden, layers, bias, batchFirst, dtype, rng);
                    case "lstm" -> new LSTM(in, hidden, layers, bias, batchFirst, dtype, rng);
                    default -> new GRU(in, hidden, layers, bias, batchFirst, dtype, rng);
                };
                load(m, c, dtype);
                Tensor x = input(c, "x", dtype), h0 = c.containsKey("h0") ? input(c, "h0", dtype) : null;
                Tensor c0 = c.containsKey("c0") ? input(c, "c0", dtype) : null;
                RecurrentLayer.Output r = m.forward(x, h0 == null ? null : new RecurrentLayer.State(h0, c0));
                assertClose(name + " out", tensor(c.get("out")), r.output(), rtol, atol);
                assertClose(name + " h_n", tensor(c.get("h_n")), r.state().h(), rtol, atol);
                Tensor loss = r.output().mul(t(c, "g_out", dtype)).sum().add(r.state().h().mul(t(c, "g_h", dtype)).sum());
                if (c.containsKey("c_n")) {
                    assertClose(name + " c_n", tensor(c.get("c_n")), r.state().c(), rtol, atol);
                    loss = loss.add(r.state().c().mul(t(c, "g_c", dtype)).sum());
                }
                loss.backward();
                assertClose(name + " grad x", tensor(c.get("grad_x")), x.grad(), rtol, atol);
                if (h0 != null) assertClose(name + " grad h0", tensor(c.get("grad_h0")), h0.grad(), rtol, atol);
                if (c0 != null) assertClose(name + " grad c0", tensor(c.get("grad_c0")), c0.grad(), rtol, atol);
                checkGrads(m, c, rtol, atol);
            }
            case "mha" -> {
                int e = num(c, "embed"), heads = num(c, "heads");
                var m = new MultiheadAttention(e, heads, (Boolean) c.get("causal"), 0.0, true, (Boolean) c.get("batch_first"), dtype, rng);
                load(m, c, dtype);
                Tensor q = input(c, "query", dtype);
                boolean self = (Boolean) c.get("self");
                Tensor k = self ? q : input(c, "key", dtype), v = self ? q : input(c, "value", dtype);
                Tensor mask = c.containsKey("mask") ? boolMask(c.get("mask")) : null;
                Tensor y = m.forward(q, k, v, mask);
                assertClose(name + " out", tensor(c.get("out")), y, rtol, atol);
                y.mul(t(c, "g_out", dtype)).sum().backward();
                assertClose(name + " grad query", tensor(c.get("grad_query")), q.grad(), rtol, atol);
                if (!self) {
                    assertClose(name + " grad key", tensor(c.get("grad_key")), k.grad(), rtol, atol);
                    assertClose(name + " grad value", tensor(c.get("grad_value")), v.grad(), rtol, atol);
                }
                checkGrads(m, c, rtol, atol);
            }
            case "layernorm" -> {
                var m = new LayerNorm(num(c, "dim"), ((Number) c.get("eps")).doubleValue(), true, dtype);
                load(m, c, dtype);
                Tensor x = input(c, "x", dtype), y = m.forward(x);
                assertClose(name + " out", tensor(c.get("out")), y, rtol, atol);
                y.mul(t(c, "g_out", dtype)).sum().backward();
                assertClose(name + " grad x", tensor(c.get("grad_x")), x.grad(), rtol, atol);
                checkGrads(m, c, rtol, atol);
            }
            case "embedding" -> {
                var m = new Embedding(num(c, "vocabulary"), num(c, "dim"), dtype, rng);
                load(m, c, dtype);
                Tensor y = m.forward(indices(c.get("indices")));
                assertClose(name + " out", tensor(c.get("out")), y, rtol, atol);
                y.mul(t(c, "g_out", dtype)).sum().backward();
                checkGrads(m, c, rtol, atol);
            }
            case "block" -> {
                var m = new TransformerBlock(num(c, "dim"), num(c, "heads"), num(c, "feed_forward"), 0.0, dtype, rng);
                load(m, c, dtype);
                Tensor x = input(c, "x", dtype), y = m.forward(x);
                assertClose(name + " out", tensor(c.get("out")), y, rtol, atol);
                y.mul(t(c, "g_out", dtype)).sum().backward();
                assertClose(name + " grad x", tensor(c.get("grad_x")), x.grad(), rtol, atol);
                checkGrads(m, c, rtol, atol);
            }
            case "ce_seq" -> {
                Tensor logits = input(c, "logits", dtype);
                Tensor loss = c.containsKey("ignore_index")
                        ? Losses.crossEntropy(logits, indices(c.get("target")), num(c, "ignore_index"))
                        : Losses.crossEntropy(logits, indices(c.get("target")));
                assertEquals(((Number) c.get("loss")).doubleValue(), loss.item(), dtype == DType.FLOAT64 ? 1e-12 : 1e-5, name);
                loss.backward();
                assertClose(name + " grad logits", tensor(c.get("grad_logits")), logits.grad(), rtol, atol);
            }
            default -> throw new AssertionError("unknown kind " + c.get("kind"));
        }
    }

    private static int num(Map<String, Object> c, String key) {
        return ((Number) c.get(key)).intValue();
    }

    private static Tensor t(Map<String, Object> c, String key, DType dtype) {
        return tensor(c.get(key)).to(dtype);
    }

    private static Tensor input(Map<String, Object> c, String key, DType dtype) {
        return t(c, key, dtype).requiresGrad(true);
    }

    private static Tensor indices(Object encoded) {
        @SuppressWarnings("unchecked")
        List<Object> shape = (List<Object>) ((Map<String, Object>) encoded).get("shape");
        return Tensor.of(Fixtures.indices(encoded), shape.stream().mapToInt(o -> ((Number) o).intValue()).toArray());
    }

    @SuppressWarnings("unchecked")
    private static Tensor boolMask(Object encoded) {
        Map<String, Object> m = (Map<String, Object>) encoded;
        List<Object> data = (List<Object>) m.get("data");
        boolean[] b = new boolean[data.size()];
        for (int i = 0; i < b.length; i++) b[i] = (Boolean) data.get(i);
        return Tensor.of(b, ((List<Object>) m.get("shape")).stream().mapToInt(o -> ((Number) o).intValue()).toArray());
    }

    /** Whether the parameter at this path belongs to a Linear, whose weight is stored [in, out] (PyTorch: [out, in]). */
    private static boolean linearWeight(Module m, String path) {
        int dot = path.lastIndexOf('.');
        return path.endsWith("weight") && dot > 0 && m.namedModules().get(path.substring(0, dot)) instanceof Linear;
    }

    @SuppressWarnings("unchecked")
    private static void load(Module m, Map<String, Object> c, DType dtype) {
        Map<String, Object> params = (Map<String, Object>) c.get("params");
        Map<String, Parameter> own = m.namedParameters();
        assertEquals(params.keySet(), own.keySet(), c.get("name") + ": parameter names");
        try (var g = NoGrad.enter()) {
            params.forEach((k, v) -> {
                Tensor t = tensor(v);
                own.get(k).copy_((linearWeight(m, k) ? t.t() : t).to(dtype));
            });
        }
    }

    private static void checkGrads(Module m, Map<String, Object> c, double rtol, double atol) {
        m.namedParameters().forEach((k, p) -> {
            Tensor expected = tensor(c.get("grad." + k));
            assertClose(c.get("name") + " grad " + k, linearWeight(m, k) ? expected.t().contiguous() : expected, p.grad(), rtol, atol);
        });
    }

    // ---------------------------------------------------------------- gradient checks of the modules

    /** f over the module's parameters and the given inputs, in float64 central differences. */
    private static void gradCheck(Module m, Function<Tensor[], Tensor> f, SplittableRandom rng, Tensor... inputs) {
        List<Tensor> all = new ArrayList<>(List.of(inputs));
        all.addAll(m.parameters());
        GradCheck.check(f, rng, all.toArray(Tensor[]::new));
    }

    private static Tensor rnd(SplittableRandom r, int... shape) {
        return Tensor.randn(r, DType.FLOAT64, shape).requiresGrad(true);
    }

    @Test
    void recurrentLayersGradientCheck() {
        var rng = new SplittableRandom(16);
        int count = 0;
        for (int kind = 0; kind < 3; kind++) {
            for (int n : new int[] {1, 5}) {
                for (boolean batchFirst : new boolean[] {false, true}) {
                    int steps = n == 1 ? 5 : 3, in = 2, hidden = 3, layers = 2;
                    RecurrentLayer m = switch (kind) {
                        case 0 -> new RNN(in, hidden, layers, true, batchFirst, DType.FLOAT64, rng);
                        case 1 -> new LSTM(in, hidden, layers, true, batchFirst, DType.FLOAT64, rng);
                        default -> new GRU(in, hidden, layers, true, batchFirst, DType.FLOAT64, rng);
                    };
                    Tensor x = batchFirst ? rnd(rng, n, steps, in) : rnd(rng, steps, n, in);
                    Tensor h0 = rnd(rng, layers, n, hidden), c0 = kind == 1 ? rnd(rng, layers, n, hidden) : null;
                    boolean lstm = kind == 1;
                    Function<Tensor[], Tensor> f = t -> {
                        RecurrentLayer.Output r = m.forward(t[0], new RecurrentLayer.State(t[1], lstm ? t[2] : null));
                        Tensor out = r.output().reshape(-1).exp().sum().reshape(1);
                        Tensor st = r.state().c() == null ? r.state().h() : Tensor.concat(2, r.state().h(), r.state().c());
                        return Tensor.concat(0, out, st.reshape(-1));
                    };
                    if (c0 == null) gradCheck(m, f, rng, x, h0);
                    else gradCheck(m, f, rng, x, h0, c0);
                    count++;
                }
            }
        }
        assertEquals(12, count);
    }

    @Test
    void unbatchedSequenceMatchesABatchOfOne() {
        var rng = new SplittableRandom(3);
        var gru = new GRU(3, 4, 2, true, false, DType.FLOAT64, rng);
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 5, 3);
        RecurrentLayer.Output one = gru.forward(x, null), batch = gru.forward(x.unsqueeze(1), null);
        assertArrayEquals(new int[] {5, 4}, one.output().shape());
        assertArrayEquals(new int[] {2, 4}, one.state().h().shape());
        assertClose("unbatched", batch.output().squeeze(1), one.output(), 0, 0);
    }

    @Test
    void attentionGradientCheck() {
        var rng = new SplittableRandom(17);
        for (int n : new int[] {1, 5}) {
            var causal = new MultiheadAttention(4, 2, true, 0.0, true, n == 1, DType.FLOAT64, rng);
            try (var g = NoGrad.enter()) {
                causal.inProjBias().copy_(Tensor.randn(rng, DType.FLOAT64, 12));
            }
            Tensor x = rnd(rng, n == 1 ? 1 : 3, n == 1 ? 3 : n, 4);
            gradCheck(causal, t -> causal.forward(t[0]), rng, x);
            var cross = new MultiheadAttention(6, 3, false, 0.0, true, true, DType.FLOAT64, rng);
            Tensor q = rnd(rng, n, 3, 6), kv = rnd(rng, n, 5, 6);
            Tensor mask = Tensor.of(new boolean[] {false, true, false, false, true, true, false, false, false, false, false, false, true, false, false}, 3, 5);
            gradCheck(cross, t -> cross.forward(t[0], t[1], t[1], mask), rng, q, kv);
        }
    }

    @Test
    void transformerBlockAndPositionsGradientCheck() {
        var rng = new SplittableRandom(18);
        var block = new TransformerBlock(4, 2, 6, 0.0, DType.FLOAT64, rng);
        var pos = new PositionalEmbedding(7, 4, DType.FLOAT64, rng);
        var emb = new Embedding(5, 4, DType.FLOAT64, rng);
        var head = new Linear(4, 5, true, DType.FLOAT64, rng);
        Tensor idx = Tensor.of(new int[] {1, 4, 4, 0, 2, 3, 3, 1, 0, 2}, 2, 5);
        Tensor target = Tensor.of(new int[] {4, 4, 0, 2, 1, 3, 1, 0, 2, 2}, 2, 5);
        var model = new Sequential(emb, pos, block, new LayerNorm(4, 1e-5, true, DType.FLOAT64), head);
        gradCheck(model, t -> Losses.crossEntropy(model.forward(idx), target), rng);
    }

    @Test
    void sequenceCrossEntropyIsTheMeanOverPositions() {
        var rng = new SplittableRandom(19);
        Tensor logits = Tensor.randn(rng, DType.FLOAT64, 2, 3, 4);
        Tensor target = Tensor.of(new int[] {0, 3, 1, 2, 2, 0}, 2, 3);
        double sum = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                Tensor row = logits.select(0, i).select(0, j);
                sum += row.logsumexp(0, false).item() - row.get((int) target.get(i, j));
            }
        }
        assertEquals(sum / 6, Losses.crossEntropy(logits, target).item(), 1e-12);
        assertThrows(ShapeException.class, () -> Losses.crossEntropy(logits, Tensor.of(new int[] {0, 1, 2}, 3)));
    }

    // ---------------------------------------------------------------- behaviour and bad input

    @Test
    void causalAttentionIgnoresTheFuture() {
        var rng = new SplittableRandom(20);
        var attn = new MultiheadAttention(4, 2, true, 0.0, rng);
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 1, 5, 4);
        Tensor changed = x.contiguousData().mul(1.0);
        try (var g = NoGrad.enter()) {
            changed.narrow(1, 3, 2).fill_(7);   // positions 3 and 4 changed: outputs 0..2 must not move
            assertClose("past", attn.forward(x).narrow(1, 0, 3), attn.forward(changed).narrow(1, 0, 3), 0, 1e-6);
            assertNotEquals(attn.forward(x).get(0, 4, 0), attn.forward(changed).get(0, 4, 0));
        }
    }

    @Test
    void attentionDropoutOnlyInTraining() {
        var rng = new SplittableRandom(21);
        var attn = new MultiheadAttention(4, 1, false, 0.5, rng);
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 2, 6, 4);
        Tensor eval1, eval2, train;
        try (var s = attn.evalScope(); var g = NoGrad.enter()) {
            eval1 = attn.forward(x);
            eval2 = attn.forward(x);
        }
        try (var g = NoGrad.enter()) {
            train = attn.forward(x);
        }
        assertClose("eval is deterministic", eval1, eval2, 0, 0);
        assertTrue(Math.abs(train.sub(eval1).abs().max().item()) > 1e-3, "dropout changed nothing in training");
    }

    @Test
    void recurrentDropoutBetweenLayersOnlyInTraining() {
        var rng = new SplittableRandom(22);
        var plain = new LSTM(3, 5, 2, true, true, 0.0, DType.FLOAT64, rng);
        var dropped = new LSTM(3, 5, 2, true, true, 0.5, DType.FLOAT64, rng);
        dropped.loadStateDict(plain.stateDict());
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 4, 6, 3);
        try (var g = NoGrad.enter()) {
            RecurrentLayer.Output a = plain.forward(x, null), b;
            try (var s = dropped.evalScope()) {
                b = dropped.forward(x, null);
            }
            assertClose("eval: no dropout", a.output(), b.output(), 0, 0);
            RecurrentLayer.Output c = dropped.forward(x, null);
            // Layer 0's final state is taken before the dropout; layer 1 reads dropped inputs.
            assertClose("layer 0 state", a.state().h().select(0, 0), c.state().h().select(0, 0), 0, 0);
            assertTrue(a.output().sub(c.output()).abs().max().item() > 1e-3, "dropout changed nothing in training");
        }
        assertEquals("LSTM(input=3, hidden=5, layers=2, batch_first=true, dropout=0.5)", dropped.toString());
    }

    @Test
    void embeddingNamesTheLayerIndexAndSize() {
        var emb = new Embedding(27, 8, new SplittableRandom(1));
        ShapeException e = assertThrows(ShapeException.class, () -> emb.forward(Tensor.of(new int[] {3, 30, 1}, 3)));
        assertEquals("Embedding(vocabulary=27, dim=8): index 30 at [1] is past the vocabulary of size 27", e.getMessage());
        assertThrows(ShapeException.class, () -> emb.forward(Tensor.of(new int[] {-1}, 1)));
        BackpropException f = assertThrows(BackpropException.class, () -> emb.forward(Tensor.ones(2)));
        assertTrue(f.getMessage().contains("int64"), f.getMessage());
        assertArrayEquals(new int[] {2, 3, 8}, emb.forward(Tensor.of(new int[] {0, 1, 2, 26, 25, 24}, 2, 3)).shape());
    }

    @Test
    void positionalTableNamesASequenceTooLong() {
        var pos = new PositionalEmbedding(16, 4, new SplittableRandom(1));
        ShapeException e = assertThrows(ShapeException.class, () -> pos.forward(Tensor.zeros(2, 20, 4)));
        assertEquals("PositionalEmbedding(max_length=16, dim=4): a sequence of 20 positions is longer than the table of 16", e.getMessage());
        Tensor y = pos.forward(Tensor.zeros(3, 16, 4));
        assertClose("positions", pos.weight().detach(), y.select(0, 2), 0, 0);
    }

    @Test
    void badShapesNameTheLayer() {
        var rng = new SplittableRandom(2);
        var lstm = new LSTM(3, 4, 2, true, true, DType.FLOAT32, rng);
        ShapeException e = assertThrows(ShapeException.class, () -> lstm.forward(Tensor.zeros(2, 5, 7)));
        assertTrue(e.getMessage().startsWith("LSTM(input=3, hidden=4, layers=2, batch_first=true): input [2, 5, 7]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> lstm.forward(Tensor.zeros(2, 5, 3), new RecurrentLayer.State(Tensor.zeros(1, 2, 4), null)));
        assertTrue(e.getMessage().contains("h0 [1, 2, 4] does not fit: expected [2, 2, 4]"), e.getMessage());
        assertThrows(BackpropException.class, () -> new GRU(3, 4, rng).forward(Tensor.zeros(5, 2, 3),
                new RecurrentLayer.State(null, Tensor.zeros(1, 2, 4))));
        assertThrows(ShapeException.class, () -> new MultiheadAttention(6, 4, true, 0, rng));
        var ln = new LayerNorm(5);
        e = assertThrows(ShapeException.class, () -> ln.forward(Tensor.zeros(2, 4)));
        assertEquals("LayerNorm(dim=5, eps=1.0E-5): input [2, 4] does not end in 5 features: expected [..., 5]", e.getMessage());
    }

    @Test
    void parameterNamesAreTorchs() {
        var rng = new SplittableRandom(4);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"),
                List.copyOf(new LSTM(3, 4, 2, true, false, DType.FLOAT32, rng).namedParameters().keySet()));
        assertArrayEquals(new int[] {16, 3}, new LSTM(3, 4, rng).layerWeights(0)[0].shape());
        assertArrayEquals(new int[] {12, 4}, new GRU(3, 4, rng).layerWeights(0)[1].shape());
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(new MultiheadAttention(4, 2, true, 0, rng).namedParameters().keySet()));
        assertEquals("TransformerBlock(dim=8, heads=2, feed_forward=32)", new TransformerBlock(8, 2, 0, rng).toString());
    }
}
