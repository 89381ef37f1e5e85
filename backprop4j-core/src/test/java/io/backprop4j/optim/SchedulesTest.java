package io.backprop4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** StepLR, CosineAnnealingLR, LinearWarmup and ReduceLROnPlateau against torch; state round trips. */
class SchedulesTest {
    private static double maxRelDeviation;

    @AfterAll
    static void report() {
        System.out.println("SchedulesTest: max relative deviation from schedules.json/layers.json: " + maxRelDeviation);
    }

    private static double num(Map<String, Object> a, String k) {
        return ((Number) a.get(k)).doubleValue();
    }

    private static Optimizer sgd(double lr) {
        return new SGD(List.of(new Parameter(Tensor.zeros(DType.FLOAT64, 1))), lr);
    }

    static LrSchedule fromFixture(String kind, Map<String, Object> a, Optimizer opt) {
        return switch (kind) {
            case "step" -> new StepLR(opt, (int) num(a, "step_size"), num(a, "gamma"));
            case "cosine" -> new CosineAnnealingLR(opt, (int) num(a, "T_max"), num(a, "eta_min"));
            case "linear_warmup" -> new LinearWarmup(opt, num(a, "start_factor"), num(a, "end_factor"), (int) num(a, "total_iters"));
            case "reduce_on_plateau", "plateau" -> {
                if (a.containsKey("mode")) assertEquals("min", a.get("mode"));
                if (a.containsKey("threshold_mode")) assertEquals("rel", a.get("threshold_mode"));
                if (a.containsKey("eps")) assertEquals(ReduceLROnPlateau.EPS, num(a, "eps"));
                yield new ReduceLROnPlateau(opt, num(a, "factor"), (int) num(a, "patience"), num(a, "threshold"),
                        (int) num(a, "cooldown"), num(a, "min_lr"));
            }
            default -> throw new AssertionError("unknown schedule " + kind);
        };
    }

    private static void check(String what, double expected, double actual) {
        double rel = expected == 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
        synchronized (SchedulesTest.class) {
            maxRelDeviation = Math.max(maxRelDeviation, rel);
        }
        if (!(rel <= 1e-13)) fail(what + ": expected " + expected + " but was " + actual);
    }

    /** Runs one fixture case: lrs[e] is read before step() (epoch schedules) or after step(metrics[e]) (plateau). */
    @SuppressWarnings("unchecked")
    private static void run(Map<String, Object> c, String kind) {
        Optimizer opt = sgd(num(c, "base_lr"));
        LrSchedule s = fromFixture(kind, (Map<String, Object>) c.get("args"), opt);
        List<Object> lrs = (List<Object>) c.get("lrs");
        boolean plateau = s instanceof ReduceLROnPlateau;
        List<Object> metrics = (List<Object>) c.get("metrics");
        for (int e = 0; e < lrs.size(); e++) {
            if (plateau) s.step(((Number) metrics.get(e)).doubleValue());
            double expected = ((Number) lrs.get(e)).doubleValue();
            check(c.get("name") + " epoch " + e, expected, opt.learningRate());
            assertEquals(opt.learningRate(), s.learningRate());
            if (!plateau) s.step();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyScheduleAgreesWithPyTorch() {
        List<Map<String, Object>> cases = Fixtures.cases("schedules");
        assertTrue(cases.size() >= 16);
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> run(c, (String) c.get("schedule"))));
    }

    @TestFactory
    Stream<DynamicTest> plateauCooldownAgreesWithPyTorch() {
        return Fixtures.cases("layers").stream().filter(c -> "plateau".equals(c.get("kind")))
                .map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> run(c, "plateau")));
    }

    @Test
    void plateauCooldownByHand() {
        Optimizer opt = sgd(0.1);
        var s = new ReduceLROnPlateau(opt, 0.5, 0, 1e-4, 2, 0);
        double[] expected = {0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125};
        for (int e = 0; e < expected.length; e++) {
            s.step(1.0);
            assertEquals(expected[e], opt.learningRate(), 1e-15, "epoch " + e);
        }
        assertEquals(1.0, s.best());
    }

    @Test
    void cosineCanAnnealToZero() {
        Optimizer opt = new Adam(List.of(), 0.1);
        var s = new CosineAnnealingLR(opt, 2, 0);
        s.step();
        s.step();
        assertEquals(0.0, opt.learningRate());
        s.step();
        assertEquals(0.05, opt.learningRate(), 1e-15);
    }

    /** Each schedule kind, for the round-trip test. */
    private static List<Function<Optimizer, LrSchedule>> kinds() {
        return List.of(o -> new StepLR(o, 2, 0.5), o -> new CosineAnnealingLR(o, 5, 0.001), o -> new LinearWarmup(o, 0.1, 1.0, 4),
                o -> new ReduceLROnPlateau(o, 0.5, 1, 1e-4, 1, 1e-4));
    }

    @Test
    void restoredStateContinuesIdentically() {
        double[] metrics = {1.0, 0.9, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6};
        for (var make : kinds()) {
            Optimizer a = sgd(0.2);
            LrSchedule sa = make.apply(a);
            for (int e = 0; e < 6; e++) sa.step(metrics[e]);
            Map<String, Tensor> optState = a.state(), schedState = sa.state();
            Optimizer b = sgd(0.2);
            LrSchedule sb = make.apply(b);
            b.loadState(optState);
            sb.loadState(schedState);
            assertEquals(a.learningRate(), b.learningRate(), sa.toString());
            for (int e = 6; e < metrics.length; e++) {
                sa.step(metrics[e]);
                sb.step(metrics[e]);
                assertEquals(a.learningRate(), b.learningRate(), sa + " epoch " + e);
            }
            for (String k : schedState.keySet()) assertEquals(sa.state().get(k).item(), sb.state().get(k).item(), k);
        }
    }

    @Test
    void stateNamesAndBadStates() {
        var opt = sgd(0.1);
        var plateau = new ReduceLROnPlateau(opt);
        assertEquals(List.of("last_epoch", "best", "num_bad_epochs", "cooldown_counter"), new ArrayList<>(plateau.state().keySet()));
        assertEquals(Double.POSITIVE_INFINITY, plateau.state().get("best").item());
        var step = new StepLR(opt, 3, 0.1);
        assertEquals(List.of("last_epoch", "base_lr"), new ArrayList<>(step.state().keySet()));
        Map<String, Tensor> bad = new HashMap<>(step.state());
        bad.remove("base_lr");
        assertEquals("StepLR.loadState: entry 'base_lr' is missing",
                assertThrows(BackpropException.class, () -> step.loadState(bad)).getMessage());
        bad.put("base_lr", Tensor.scalar(0.1, DType.FLOAT64));
        bad.put("last_epoch", Tensor.scalar(-1, DType.FLOAT64));
        assertEquals("StepLR.loadState: entry 'last_epoch' must be a whole number >= 0, got -1.0",
                assertThrows(BackpropException.class, () -> step.loadState(bad)).getMessage());
        bad.put("gamma", Tensor.scalar(1, DType.FLOAT64));
        assertTrue(assertThrows(BackpropException.class, () -> step.loadState(bad)).getMessage()
                .startsWith("StepLR.loadState: unknown entry 'gamma'"));
    }

    @Test
    void badArgumentsThrowClearMessages() {
        Optimizer opt = sgd(0.1);
        assertEquals("StepLR: invalid step size: 0 (must be >= 1)",
                assertThrows(BackpropException.class, () -> new StepLR(opt, 0, 0.1)).getMessage());
        assertEquals("CosineAnnealingLR: invalid T_max: -3 (must be >= 1)",
                assertThrows(BackpropException.class, () -> new CosineAnnealingLR(opt, -3, 0)).getMessage());
        assertEquals("LinearWarmup: invalid start factor: 0.0 (must be in (0, 1])",
                assertThrows(BackpropException.class, () -> new LinearWarmup(opt, 0, 1, 5)).getMessage());
        assertEquals("ReduceLROnPlateau: invalid factor: 1.0 (must be in (0, 1))",
                assertThrows(BackpropException.class, () -> new ReduceLROnPlateau(opt, 1.0, 10, 1e-4, 0, 0)).getMessage());
        assertEquals("ReduceLROnPlateau: invalid patience: -1 (must be >= 0)",
                assertThrows(BackpropException.class, () -> new ReduceLROnPlateau(opt, 0.1, -1, 1e-4, 0, 0)).getMessage());
        var plateau = new ReduceLROnPlateau(opt);
        assertTrue(assertThrows(BackpropException.class, plateau::step).getMessage().contains("step(metric)"));
        // epoch schedules ignore a metric
        var step = new StepLR(opt, 1, 0.5);
        step.step(123.0);
        assertEquals(0.05, opt.learningRate(), 1e-17);
    }
}
