package io.backprop4j.optim;

import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Adam, AdamW, RMSprop, Adagrad (and SGD) against torch 1.13; state export and import; argument checks. */
class OptimizersTest {
    /** Largest |actual - expected| / max(|expected|, 1e-300) seen against the fixtures. */
    private static double maxRelDeviation;
    private static double maxAbsDeviation;

    @AfterAll
    static void report() {
        System.out.println("OptimizersTest: max deviation from optim.json: relative " + maxRelDeviation + ", absolute " + maxAbsDeviation);
    }

    private static double num(Map<String, Object> a, String k) {
        return ((Number) a.get(k)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    static Optimizer fromFixture(String kind, Map<String, Object> a, List<Parameter> params) {
        return switch (kind) {
            case "sgd" -> new SGD(params, num(a, "lr"), num(a, "momentum"), num(a, "dampening"), num(a, "weight_decay"),
                    Boolean.TRUE.equals(a.get("nesterov")));
            case "adam", "adamw" -> {
                List<Object> betas = (List<Object>) a.get("betas");
                double b1 = ((Number) betas.get(0)).doubleValue(), b2 = ((Number) betas.get(1)).doubleValue();
                boolean ams = Boolean.TRUE.equals(a.get("amsgrad"));
                yield kind.equals("adam")
                        ? new Adam(params, num(a, "lr"), b1, b2, num(a, "eps"), num(a, "weight_decay"), ams)
                        : new AdamW(params, num(a, "lr"), b1, b2, num(a, "eps"), num(a, "weight_decay"), ams);
            }
            case "rmsprop" -> new RMSprop(params, num(a, "lr"), num(a, "alpha"), num(a, "eps"), num(a, "weight_decay"),
                    num(a, "momentum"), Boolean.TRUE.equals(a.get("centered")));
            case "adagrad" -> new Adagrad(params, num(a, "lr"), num(a, "lr_decay"), num(a, "weight_decay"),
                    num(a, "initial_accumulator_value"), num(a, "eps"));
            default -> throw new AssertionError("unknown optimizer in fixture: " + kind);
        };
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyOptimiserCaseAgreesWithPyTorch() {
        List<Map<String, Object>> cases = Fixtures.cases("optim");
        assertTrue(cases.size() >= 20, "optim.json has " + cases.size() + " cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
            String kind = (String) c.get("optimizer");
            List<Parameter> params = new ArrayList<>();
            for (Object p : (List<Object>) c.get("params")) params.add(new Parameter(tensor(p)));
            Optimizer opt = fromFixture(kind, (Map<String, Object>) c.get("args"), params);
            List<List<Object>> grads = (List<List<Object>>) c.get("grads_per_step");
            List<List<Object>> after = (List<List<Object>>) c.get("params_after_step");
            assertFalse(grads.isEmpty());
            for (int s = 0; s < grads.size(); s++) {
                for (int i = 0; i < params.size(); i++) params.get(i).setGrad(tensor(grads.get(s).get(i)));
                opt.step();
                for (int i = 0; i < params.size(); i++) {
                    compare(c.get("name") + " step " + s + " param " + i, tensor(after.get(s).get(i)), params.get(i));
                }
            }
        }));
    }

    private static void compare(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            double abs = Math.abs(a[i] - e[i]);
            double rel = abs / Math.max(Math.abs(e[i]), 1e-300);
            synchronized (OptimizersTest.class) {
                maxAbsDeviation = Math.max(maxAbsDeviation, abs);
                maxRelDeviation = Math.max(maxRelDeviation, rel);
            }
            if (!(abs <= 1e-12 * Math.abs(e[i]) + 1e-15)) fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i]);
        }
    }

    // ------------------------------------------------------------------ float32 fast path

    /** Each optimiser with every feature switched on (momentum, amsgrad, centered...), by name. */
    static Map<String, Function<List<Parameter>, Optimizer>> configs() {
        Map<String, Function<List<Parameter>, Optimizer>> m = new LinkedHashMap<>();
        m.put("sgd", p -> new SGD(p, 0.05));
        m.put("sgd-nesterov-wd", p -> new SGD(p, 0.05, 0.9, 0, 0.01, true));
        m.put("sgd-dampening", p -> new SGD(p, 0.05, 0.8, 0.3, 0, false));
        m.put("adam", p -> new Adam(p, 0.01));
        m.put("adam-amsgrad-wd", p -> new Adam(p, 0.01, 0.8, 0.99, 1e-6, 0.1, true));
        m.put("adamw", p -> new AdamW(p, 0.01));
        m.put("adamw-amsgrad", p -> new AdamW(p, 0.01, 0.9, 0.999, 1e-8, 0.1, true));
        m.put("rmsprop", p -> new RMSprop(p, 0.01));
        m.put("rmsprop-centered-momentum-wd", p -> new RMSprop(p, 0.01, 0.9, 1e-8, 0.1, 0.5, true));
        m.put("adagrad", p -> new Adagrad(p, 0.1));
        m.put("adagrad-decay-init-wd", p -> new Adagrad(p, 0.1, 0.01, 0.1, 0.5, 1e-10));
        return m;
    }

    private static List<Parameter> randomParams(SplittableRandom rng, DType dtype) {
        return List.of(new Parameter(Tensor.randn(rng, dtype, 4, 3)), new Parameter(Tensor.randn(rng, dtype, 3)),
                new Parameter(Tensor.randn(rng, dtype, 2, 2, 2)));
    }

    private static List<List<Tensor>> randomGrads(SplittableRandom rng, List<Parameter> like, int steps, DType dtype) {
        List<List<Tensor>> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            List<Tensor> g = new ArrayList<>();
            for (Parameter p : like) g.add(Tensor.randn(rng, dtype, p.shape()));
            out.add(g);
        }
        return out;
    }

    private static void setGrads(List<Parameter> params, List<Tensor> grads) {
        for (int i = 0; i < params.size(); i++) {
            Tensor g = grads.get(i);
            params.get(i).setGrad(Tensor.zeros(params.get(i).dtype(), g.shape()).copy_(g));
        }
    }

    private static List<Parameter> copies(List<Parameter> params, DType dtype) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : params) out.add(new Parameter(Tensor.zeros(dtype, p.shape()).copy_(p)));
        return out;
    }

    @TestFactory
    Stream<DynamicTest> float32PathFollowsTheFloat64One() {
        return configs().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            var rng = new SplittableRandom(11);
            List<Parameter> p64 = randomParams(rng, DType.FLOAT64);
            List<Parameter> p32 = copies(p64, DType.FLOAT32);
            Optimizer o64 = e.getValue().apply(p64), o32 = e.getValue().apply(p32);
            for (List<Tensor> g : randomGrads(rng, p64, 6, DType.FLOAT64)) {
                setGrads(p64, g);
                setGrads(p32, g);
                o64.step();
                o32.step();
            }
            for (int i = 0; i < p64.size(); i++) {
                assertEquals(DType.FLOAT32, p32.get(i).dtype());
                Fixtures.assertClose(e.getKey() + " param " + i, p64.get(i), p32.get(i), 1e-4, 1e-5);
            }
        }));
    }

    // ------------------------------------------------------------------ state export and import

    @TestFactory
    Stream<DynamicTest> restoredStateContinuesBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            for (var e : configs().entrySet()) {
                tests.add(DynamicTest.dynamicTest(e.getKey() + " " + dtype, () -> {
                    var rng = new SplittableRandom(5);
                    List<Parameter> a = randomParams(rng, dtype);
                    List<List<Tensor>> grads = randomGrads(rng, a, 8, dtype);
                    Optimizer oa = e.getValue().apply(a);
                    for (int s = 0; s < 4; s++) {
                        setGrads(a, grads.get(s));
                        oa.step();
                    }
                    oa.setLearningRate(oa.learningRate() * 0.5);   // as a schedule would
                    Map<String, Tensor> saved = oa.state();
                    List<Parameter> b = copies(a, dtype);
                    Optimizer ob = e.getValue().apply(b);
                    ob.loadState(saved);
                    assertEquals(oa.learningRate(), ob.learningRate());
                    Map<String, Tensor> before = deepCopy(saved);
                    for (int s = 4; s < 8; s++) {
                        setGrads(a, grads.get(s));
                        setGrads(b, grads.get(s));
                        oa.step();
                        ob.step();
                    }
                    for (int i = 0; i < a.size(); i++) {
                        assertArrayEquals(a.get(i).toDoubleArray(), b.get(i).toDoubleArray(), e.getKey() + " param " + i);
                    }
                    assertStateEquals(oa.state(), ob.state());
                    // the export is a snapshot: stepping on did not change it
                    assertStateEquals(before, saved);
                }));
            }
        }
        return tests.stream();
    }

    private static Map<String, Tensor> deepCopy(Map<String, Tensor> m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, Tensor.zerosLike(v).copy_(v)));
        return out;
    }

    private static void assertStateEquals(Map<String, Tensor> x, Map<String, Tensor> y) {
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertEquals(x.get(k).dtype(), y.get(k).dtype(), k);
            assertArrayEquals(x.get(k).toDoubleArray(), y.get(k).toDoubleArray(), k);
        }
    }

    @Test
    void stateNamesFollowPyTorch() {
        var rng = new SplittableRandom(1);
        List<Parameter> p = randomParams(rng, DType.FLOAT32);
        var adam = new Adam(p, 0.01, 0.9, 0.999, 1e-8, 0, true);
        assertEquals(List.of("lr"), List.copyOf(adam.state().keySet()));
        p.get(0).setGrad(Tensor.ones(4, 3));   // only parameter 0 has a gradient
        adam.step();
        assertEquals(List.of("lr", "0.step", "0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq"), List.copyOf(adam.state().keySet()));
        assertEquals(1.0, adam.state().get("0.step").item());
        assertEquals(0, adam.state().get("0.step").rank());
        assertEquals(DType.FLOAT32, adam.state().get("0.exp_avg").dtype());
        assertNull(adam.buffer("exp_avg", 1));

        var sgd = new SGD(p, 0.1, 0.9, 0, 0, false);
        sgd.step();
        assertEquals(List.of("lr", "0.momentum_buffer"), List.copyOf(sgd.state().keySet()));
        var rms = new RMSprop(p, 0.01, 0.99, 1e-8, 0, 0.9, true);
        rms.step();
        assertEquals(List.of("lr", "0.step", "0.square_avg", "0.momentum_buffer", "0.grad_avg"), List.copyOf(rms.state().keySet()));
        var ada = new Adagrad(p, 0.01);
        ada.step();
        assertEquals(List.of("lr", "0.step", "0.sum"), List.copyOf(ada.state().keySet()));
    }

    @Test
    void loadStateRefusesBadEntriesAndChangesNothing() {
        var rng = new SplittableRandom(2);
        List<Parameter> p = randomParams(rng, DType.FLOAT64);
        var adam = new Adam(p, 0.01);
        for (Parameter q : p) q.setGrad(Tensor.onesLike(q));
        adam.step();
        Map<String, Tensor> good = adam.state();

        Map<String, Tensor> unknown = new HashMap<>(good);
        unknown.put("0.momentum_buffer", Tensor.zeros(DType.FLOAT64, 4, 3));
        assertEquals("Adam.loadState: unknown entry '0.momentum_buffer'; expected 'lr' or 'INDEX.NAME' with NAME in [step, exp_avg, exp_avg_sq]",
                assertThrows(BackpropException.class, () -> adam.loadState(unknown)).getMessage());

        Map<String, Tensor> shape = new HashMap<>(good);
        shape.put("1.exp_avg", Tensor.zeros(DType.FLOAT64, 4));
        assertEquals("Adam.loadState: entry '1.exp_avg' has shape [4], parameter 1 has shape [3]",
                assertThrows(BackpropException.class, () -> adam.loadState(shape)).getMessage());

        Map<String, Tensor> missing = new HashMap<>(good);
        missing.remove("2.exp_avg_sq");
        assertEquals("Adam.loadState: entry '2.exp_avg_sq' is missing",
                assertThrows(BackpropException.class, () -> adam.loadState(missing)).getMessage());

        Map<String, Tensor> range = new HashMap<>(good);
        range.put("7.exp_avg", Tensor.zeros(DType.FLOAT64, 3));
        assertEquals("Adam.loadState: entry '7.exp_avg' is for parameter 7, but there are only 3",
                assertThrows(BackpropException.class, () -> adam.loadState(range)).getMessage());

        Map<String, Tensor> step = new HashMap<>(good);
        step.put("0.step", Tensor.scalar(1.5, DType.FLOAT64));
        assertThrows(BackpropException.class, () -> adam.loadState(step));

        // nothing changed by the refused loads
        Map<String, Tensor> now = adam.state();
        assertEquals(good.keySet(), now.keySet());
        for (String k : good.keySet()) assertArrayEquals(good.get(k).toDoubleArray(), now.get(k).toDoubleArray(), k);

        // amsgrad state does not fit a plain Adam
        var ams = new Adam(p, 0.01, 0.9, 0.999, 1e-8, 0, true);
        ams.step();
        assertThrows(BackpropException.class, () -> adam.loadState(ams.state()));
        // an empty state (besides lr) resets
        adam.loadState(Map.of("lr", Tensor.scalar(0.5, DType.FLOAT64)));
        assertEquals(0.5, adam.learningRate());
        assertEquals(List.of("lr"), List.copyOf(adam.state().keySet()));
    }

    // ------------------------------------------------------------------ behaviour

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw", "rmsprop", "adagrad"})
    void parametersWithoutGradAreSkipped(String name) {
        var rng = new SplittableRandom(3);
        List<Parameter> p = randomParams(rng, DType.FLOAT32);
        double[] before1 = p.get(1).toDoubleArray();
        Optimizer opt = Optimizers.create(name, p, 0.1);
        p.get(0).setGrad(Tensor.ones(4, 3));
        p.get(2).setGrad(Tensor.ones(2, 2, 2));
        double[] before0 = p.get(0).toDoubleArray();
        opt.step();
        assertArrayEquals(before1, p.get(1).toDoubleArray());
        assertFalse(java.util.Arrays.equals(before0, p.get(0).toDoubleArray()));
        for (String k : opt.state().keySet()) assertFalse(k.startsWith("1."), k);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw", "rmsprop", "adagrad"})
    void viewsAndOddGradientsGiveTheSameUpdate(String name) {
        // A parameter over a non-contiguous view with an offset, and a float64 gradient for a
        // float32 parameter, take the slow path; the result must equal the fast path's.
        var rng = new SplittableRandom(4);
        Tensor base = Tensor.randn(rng, DType.FLOAT32, 5, 4);
        Tensor view = base.narrow(0, 1, 3).t();          // [4, 3], strided, offset 4
        assertFalse(view.isContiguous());
        Parameter strided = new Parameter(view);
        Parameter plain = new Parameter(view.contiguousData().contiguous());
        Tensor grad = Tensor.randn(rng, DType.FLOAT64, 4, 3);
        Optimizer a = Optimizers.create(name, List.of(strided), 0.1), b = Optimizers.create(name, List.of(plain), 0.1);
        for (int s = 0; s < 3; s++) {
            strided.setGrad(grad);
            plain.setGrad(Tensor.zeros(DType.FLOAT32, 4, 3).copy_(grad));
            a.step();
            b.step();
        }
        assertArrayEquals(plain.toDoubleArray(), strided.toDoubleArray());
        assertArrayEquals(plain.toDoubleArray(), base.narrow(0, 1, 3).t().toDoubleArray(), "the update reached the shared storage");
    }

    @Test
    void stepAllocatesNoTensorsPerElement() {
        // A smoke test of the fast path on a large parameter: many steps finish quickly and
        // the parameter stays the same object over the same storage.
        Parameter p = new Parameter(Tensor.randn(new SplittableRandom(9), DType.FLOAT32, 700, 1000));
        float[] storage = Storage.floats(p);
        p.setGrad(Tensor.full(0.01, DType.FLOAT32, 700, 1000));
        for (String name : Optimizers.NAMES) {
            Optimizer opt = Optimizers.create(name, List.of(p), 1e-3);
            for (int s = 0; s < 20; s++) opt.step();
        }
        assertTrue(storage == Storage.floats(p));
    }

    /** A parameter listed twice would be stepped twice per step (issue 18, item 9): every optimiser refuses it. */
    @Test
    void aParameterListedTwiceIsRefused() {
        Parameter a = new Parameter(Tensor.zeros(2)), b = new Parameter(Tensor.zeros(3));
        for (String name : Optimizers.NAMES) {
            var e = assertThrows(io.backprop4j.BackpropException.class, () -> Optimizers.create(name, List.of(a, b, a), 1e-3), name);
            assertTrue(e.getMessage().contains("parameter 2 is parameter 0 again"), e.getMessage());
        }
        Optimizers.create("sgd", List.of(a, b, new Parameter(Tensor.zeros(2))), 1e-3);   // equal values, other tensors: fine
    }

    @Test
    void factoryKnowsTheNames() {
        List<Parameter> p = List.of(new Parameter(Tensor.zeros(2)));
        assertInstanceOf(SGD.class, Optimizers.create("sgd", p, 0.1));
        assertInstanceOf(Adam.class, Optimizers.create("adam", p, 0.1));
        assertInstanceOf(AdamW.class, Optimizers.create("AdamW", p, 0.1));
        assertInstanceOf(RMSprop.class, Optimizers.create("rmsprop", p, 0.1));
        assertInstanceOf(Adagrad.class, Optimizers.create("adagrad", p, 0.1));
        assertEquals(0.1, Optimizers.create("adam", p, 0.1).learningRate());
        assertEquals("unknown optimizer 'lbfgs'; valid: sgd, adam, adamw, rmsprop, adagrad",
                assertThrows(BackpropException.class, () -> Optimizers.create("lbfgs", p, 0.1)).getMessage());
    }

    @Test
    void badArgumentsThrowClearMessages() {
        List<Parameter> p = List.of();
        assertEquals("invalid learning rate: -0.1 (must be a positive number)",
                assertThrows(BackpropException.class, () -> new Adam(p, -0.1)).getMessage());
        assertEquals("invalid beta parameter at index 0: 1.5 (must be in [0, 1))",
                assertThrows(BackpropException.class, () -> new Adam(p, 0.1, 1.5, 0.999, 1e-8, 0, false)).getMessage());
        assertEquals("invalid beta parameter at index 1: -0.1 (must be in [0, 1))",
                assertThrows(BackpropException.class, () -> new AdamW(p, 0.1, 0.9, -0.1, 1e-8, 0, false)).getMessage());
        assertEquals("invalid epsilon value: -1.0E-8 (must be >= 0 and finite)",
                assertThrows(BackpropException.class, () -> new Adam(p, 0.1, 0.9, 0.999, -1e-8, 0, false)).getMessage());
        assertEquals("invalid weight_decay value: -0.01 (must be >= 0 and finite)",
                assertThrows(BackpropException.class, () -> new AdamW(p, 0.1, -0.01)).getMessage());
        assertEquals("invalid alpha value: -0.5 (must be >= 0 and finite)",
                assertThrows(BackpropException.class, () -> new RMSprop(p, 0.1, -0.5, 1e-8, 0, 0, false)).getMessage());
        assertEquals("invalid momentum value: NaN (must be >= 0 and finite)",
                assertThrows(BackpropException.class, () -> new RMSprop(p, 0.1, 0.99, 1e-8, 0, Double.NaN, false)).getMessage());
        assertEquals("invalid lr_decay value: -1.0 (must be >= 0 and finite)",
                assertThrows(BackpropException.class, () -> new Adagrad(p, 0.1, -1, 0, 0, 1e-10)).getMessage());
        assertEquals("invalid initial_accumulator_value value: -0.5 (must be >= 0 and finite)",
                assertThrows(BackpropException.class, () -> new Adagrad(p, 0.1, 0, 0, -0.5, 1e-10)).getMessage());
        assertThrows(BackpropException.class, () -> new RMSprop(p, Double.POSITIVE_INFINITY));
        assertThrows(BackpropException.class, () -> new Adagrad(p, Double.NaN));
        for (String name : Optimizers.NAMES) {
            Optimizer o = Optimizers.create(name, p, 0.1);
            o.setLearningRate(0);   // schedules may anneal to zero
            assertEquals(0, o.learningRate());
            assertEquals("invalid learning rate: -1.0 (must be >= 0 and finite)",
                    assertThrows(BackpropException.class, () -> o.setLearningRate(-1)).getMessage());
        }
    }

    @Test
    void toStringsNameTheSettings() {
        assertEquals("Adam(lr=0.001, betas=(0.9, 0.999), eps=1.0E-8, weight_decay=0.0, amsgrad=false)", new Adam(List.of(), 1e-3).toString());
        assertEquals("AdamW(lr=0.001, betas=(0.9, 0.999), eps=1.0E-8, weight_decay=0.01, amsgrad=false)", new AdamW(List.of(), 1e-3).toString());
        assertNotEquals("", new RMSprop(List.of(), 0.01).toString());
        assertNotEquals("", new Adagrad(List.of(), 0.01).toString());
    }
    /**
     * A model of many small parameters (a transformer's norms and biases), which step() updates
     * together over the pool, ends with the same bits as each parameter stepped alone on the
     * calling thread, for every optimiser, float32 and float64, a transposed (non-contiguous)
     * parameter among them, one without a gradient left as it is.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw", "rmsprop", "adagrad"})
    void smallParametersUpdatedTogetherGiveTheBitsOfEachAlone(String kind) {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            List<Parameter> together = new ArrayList<>(), alone = new ArrayList<>();
            SplittableRandom r = new SplittableRandom(7);
            int[] sizes = {64, 1000, 12288, 192, 4096, 3, 16384, 257, 64, 999};
            for (int i = 0; i < 3 * sizes.length; i++) {
                int n = sizes[i % sizes.length];
                Tensor w = Tensor.rand(r, dt, n);
                together.add(new Parameter(copyOf(w)));
                alone.add(new Parameter(copyOf(w)));
            }
            Tensor square = Tensor.rand(r, dt, 24, 40);
            together.add(new Parameter(copyOf(square).transpose(0, 1)));
            alone.add(new Parameter(copyOf(square).transpose(0, 1)));
            Map<String, Object> a = Map.of("lr", 0.01, "momentum", 0.9, "dampening", 0.0, "weight_decay", 0.01,
                    "betas", List.of(0.9, 0.999), "eps", 1e-8, "alpha", 0.99, "lr_decay", 0.0, "initial_accumulator_value", 0.0);
            Optimizer all = fromFixture(kind, a, together);
            List<Optimizer> each = alone.stream().map(p -> fromFixture(kind, a, List.of(p))).toList();
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < together.size(); i++) {
                    if (i == 5) continue; // no gradient: not updated
                    Tensor g = Tensor.rand(r, dt, together.get(i).shape());
                    together.get(i).setGrad(copyOf(g));
                    alone.get(i).setGrad(copyOf(g));
                }
                all.step();
                each.forEach(Optimizer::step);
            }
            for (int i = 0; i < together.size(); i++) {
                assertArrayEquals(alone.get(i).toDoubleArray(), together.get(i).toDoubleArray(), 0, kind + " " + dt + " parameter " + i);
            }
        }
    }

    private static Tensor copyOf(Tensor t) {
        return Tensor.zeros(t.dtype(), t.shape()).copy_(t);
    }
}
