package io.backprop4j.optim;

import static io.backprop4j.testing.Fixtures.assertClose;
import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** clipByNorm against torch.nn.utils.clip_grad_norm_. */
class GradClipTest {
    private static double maxRelDeviation;

    @AfterAll
    static void report() {
        System.out.println("GradClipTest: max relative deviation from clip.json: " + maxRelDeviation);
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyClipCaseAgreesWithPyTorch() {
        List<Map<String, Object>> cases = Fixtures.cases("clip");
        assertTrue(cases.size() >= 7);
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
            assertEquals(2.0, ((Number) c.get("norm_type")).doubleValue());
            List<Parameter> params = new ArrayList<>();
            for (Object g : (List<Object>) c.get("grads")) {
                Tensor grad = tensor(g);
                Parameter p = new Parameter(Tensor.zerosLike(grad));
                p.setGrad(grad);
                params.add(p);
            }
            double total = GradClip.clipByNorm(params, ((Number) c.get("max_norm")).doubleValue());
            double expected = ((Number) c.get("total_norm")).doubleValue();
            track(expected, total);
            assertEquals(expected, total, 1e-13 * expected, "total norm");
            List<Object> clipped = (List<Object>) c.get("clipped");
            for (int i = 0; i < params.size(); i++) {
                Tensor e = tensor(clipped.get(i));
                double[] ed = e.toDoubleArray(), ad = params.get(i).grad().toDoubleArray();
                for (int k = 0; k < ed.length; k++) track(ed[k], ad[k]);
                assertClose(c.get("name") + " grad " + i, e, params.get(i).grad(), 1e-12, 1e-15);
            }
        }));
    }

    private static synchronized void track(double expected, double actual) {
        double d = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
        maxRelDeviation = Math.max(maxRelDeviation, d);
    }

    @Test
    void skipsParametersWithoutGradAndHandlesFloat32() {
        Parameter a = new Parameter(Tensor.zeros(2));
        Parameter b = new Parameter(Tensor.zeros(3));
        a.setGrad(Tensor.of(new float[] {3, 4}, 2));
        double n = GradClip.clipByNorm(List.of(a, b), 1.0);
        assertEquals(5.0, n, 1e-6);
        assertNull(b.grad());
        assertEquals(0.6, a.grad().get(0), 1e-6);
        assertEquals(0.8, a.grad().get(1), 1e-6);
        assertEquals(1.0, GradClip.gradNorm(List.of(a, b)), 1e-6);
        assertEquals(0.0, GradClip.clipByNorm(List.of(b), 1.0));
    }

    @Test
    void rejectsNegativeMaxNorm() {
        assertEquals("clipByNorm: invalid max norm: -1.0 (must be >= 0)",
                assertThrows(BackpropException.class, () -> GradClip.clipByNorm(List.of(), -1)).getMessage());
        assertThrows(BackpropException.class, () -> GradClip.clipByNorm(List.of(), Double.NaN));
    }

    @Test
    void stridedGradientsAreScaledInPlace() {
        Parameter p = new Parameter(Tensor.zeros(DType.FLOAT64, 3, 2));
        Tensor g = Tensor.of(new double[] {3, 0, 0, 4, 0, 0}, 2, 3).t();   // not contiguous
        p.setGrad(g);
        assertEquals(5.0, GradClip.clipByNorm(List.of(p), 0.5), 1e-15);
        assertEquals(0.5, GradClip.gradNorm(List.of(p)), 1e-6);
    }
}
