package io.backprop4j.nn;

import static io.backprop4j.testing.Fixtures.assertClose;
import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.autograd.GradCheck;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class BatchNormTest {
    /** Training forwards, gradients, running statistics and the eval output against torch (layers.json). */
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> agreesWithPyTorch() {
        List<Map<String, Object>> cases = Fixtures.cases("layers").stream().filter(c -> "batchnorm1d".equals(c.get("kind"))).toList();
        assertTrue(cases.size() >= 4);
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
            int features = ((Number) c.get("features")).intValue();
            var bn = new BatchNorm1d(features, ((Number) c.get("eps")).doubleValue(), ((Number) c.get("momentum")).doubleValue(), DType.FLOAT64);
            try (var g = NoGrad.enter()) {   // parameters are filled outside the graph, as with torch.no_grad()
                bn.weight().copy_(tensor(c.get("weight")));
                bn.bias().copy_(tensor(c.get("bias")));
            }
            bn.namedBuffers().get("running_mean").copy_(tensor(c.get("running_mean")));
            bn.namedBuffers().get("running_var").copy_(tensor(c.get("running_var")));
            int s = 0;
            for (Map<String, Object> step : (List<Map<String, Object>>) c.get("steps")) {
                String at = c.get("name") + " step " + s++ + ": ";
                Tensor x = tensor(step.get("x")).requiresGrad(true);
                bn.zeroGrad();
                Tensor y = bn.forward(x);
                assertClose(at + "y", tensor(step.get("y")), y, 1e-10, 1e-12);
                y.mul(tensor(step.get("grad_output"))).sum().backward();
                assertClose(at + "grad x", tensor(step.get("grad_x")), x.grad(), 1e-9, 1e-11);
                assertClose(at + "grad weight", tensor(step.get("grad_weight")), bn.weight().grad(), 1e-10, 1e-12);
                assertClose(at + "grad bias", tensor(step.get("grad_bias")), bn.bias().grad(), 1e-12, 1e-14);
                assertClose(at + "running mean", tensor(step.get("running_mean")), bn.runningMean(), 1e-12, 1e-14);
                assertClose(at + "running var", tensor(step.get("running_var")), bn.runningVar(), 1e-12, 1e-14);
            }
            try (var e = bn.evalScope(); var g = NoGrad.enter()) {
                assertClose(c.get("name") + " eval", tensor(c.get("y_eval")), bn.forward(tensor(c.get("x_eval"))), 1e-10, 1e-12);
            }
        }));
    }

    @Test
    void handWorkedExample() {
        // x = [[1, 10], [3, 30]]: mean [2, 20], biased var [1, 100], so y = [[-1, -1], [1, 1]] / sqrt(1 + eps')
        var bn = new BatchNorm1d(2, 1e-5, 0.1, DType.FLOAT64);
        Tensor y = bn.forward(Tensor.of(new double[][] {{1, 10}, {3, 30}}));
        assertEquals(-1 / Math.sqrt(1 + 1e-5), y.get(0, 0), 1e-15);
        assertEquals(1 / Math.sqrt(1 + 1e-7), y.get(1, 1), 1e-15);
        // running: mean 0.1 * [2, 20]; unbiased var [2, 200]: 0.9 * 1 + 0.1 * [2, 200]
        assertEquals(0.2, bn.runningMean().get(0), 1e-15);
        assertEquals(2.0, bn.runningMean().get(1), 1e-15);
        assertEquals(1.1, bn.runningVar().get(0), 1e-15);
        assertEquals(20.9, bn.runningVar().get(1), 1e-13);
    }

    @Test
    void gradientCheckInBothModes() {
        var rng = new SplittableRandom(7);
        var bn = new BatchNorm1d(3, 1e-5, 0.1, DType.FLOAT64);
        try (var g = NoGrad.enter()) {
            bn.weight().copy_(Tensor.randn(rng, DType.FLOAT64, 3));
            bn.bias().copy_(Tensor.randn(rng, DType.FLOAT64, 3));
        }
        Tensor x = Tensor.randn(rng, DType.FLOAT64, 5, 3).requiresGrad(true);
        GradCheck.check(in -> bn.forward(in[0]).tanh(), rng, x, bn.weight(), bn.bias());
        try (var e = bn.evalScope()) {
            GradCheck.check(in -> bn.forward(in[0]).tanh(), rng, x, bn.weight(), bn.bias());
        }
    }

    @Test
    void namesParametersAndBuffers() {
        var net = new Sequential(new Linear(4, 3, new SplittableRandom(1)), new BatchNorm1d(3), new ReLU());
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias"), List.copyOf(net.namedParameters().keySet()));
        assertEquals(List.of("1.running_mean", "1.running_var"), List.copyOf(net.namedBuffers().keySet()));
        assertFalse(net.namedBuffers().get("1.running_var").requiresGrad());
        var bn = (BatchNorm1d) net.layers().get(1);
        assertEquals(DType.FLOAT32, bn.weight().dtype());
        assertEquals("BatchNorm1d(3, eps=1.0E-5, momentum=0.1)", bn.toString());
        bn.forward(Tensor.randn(new SplittableRandom(2), DType.FLOAT32, 4, 3));
        assertTrue(bn.runningVar() == net.namedBuffers().get("1.running_var"), "buffers are live");
        bn.resetParameters(new SplittableRandom(3));
        assertEquals(1.0, bn.runningVar().get(2));
        assertEquals(0.0, bn.runningMean().get(2));
    }

    @Test
    void evalModeDoesNotTouchRunningStats() {
        var bn = new BatchNorm1d(2, 1e-5, 0.1, DType.FLOAT64);
        try (var e = bn.evalScope()) {
            Tensor y = bn.forward(Tensor.of(new double[][] {{1, 2}}));   // one row is fine in eval mode
            assertEquals(1 / Math.sqrt(1 + 1e-5), y.get(0, 0), 1e-15);
        }
        assertEquals(0.0, bn.runningMean().get(0));
        assertEquals(1.0, bn.runningVar().get(0));
    }

    @Test
    void badInputsThrow() {
        var bn = new BatchNorm1d(3);
        assertEquals("BatchNorm1d(3): input [2, 4] does not fit: expected [batch, 3]",
                assertThrows(ShapeException.class, () -> bn.forward(Tensor.zeros(2, 4))).getMessage());
        assertEquals("BatchNorm1d: expected more than 1 value per feature when training, got input of shape [1, 3]",
                assertThrows(BackpropException.class, () -> bn.forward(Tensor.zeros(1, 3))).getMessage());
        assertThrows(BackpropException.class, () -> new BatchNorm1d(0));
        assertThrows(BackpropException.class, () -> new BatchNorm1d(3, 0, 0.1, DType.FLOAT32));
        assertThrows(BackpropException.class, () -> new BatchNorm1d(3, 1e-5, 1.5, DType.FLOAT32));
    }
}
