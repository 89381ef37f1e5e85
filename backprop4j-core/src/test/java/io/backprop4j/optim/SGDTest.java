package io.backprop4j.optim;

import static io.backprop4j.testing.Fixtures.assertClose;
import static io.backprop4j.testing.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import java.util.stream.Stream;

class SGDTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> agreesWithPyTorch() {
        return Fixtures.cases("optim").stream().filter(c -> "sgd".equals(c.get("optimizer"))).map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
            Map<String, Object> a = (Map<String, Object>) c.get("args");
            List<Parameter> params = new ArrayList<>();
            for (Object p : (List<Object>) c.get("params")) params.add(new Parameter(tensor(p)));
            var sgd = new SGD(params, num(a, "lr"), num(a, "momentum"), num(a, "dampening"), num(a, "weight_decay"),
                    Boolean.TRUE.equals(a.get("nesterov")));
            List<List<Object>> grads = (List<List<Object>>) c.get("grads_per_step");
            List<List<Object>> after = (List<List<Object>>) c.get("params_after_step");
            for (int s = 0; s < grads.size(); s++) {
                for (int i = 0; i < params.size(); i++) params.get(i).setGrad(tensor(grads.get(s).get(i)));
                sgd.step();
                for (int i = 0; i < params.size(); i++) assertClose("step " + s + " param " + i, tensor(after.get(s).get(i)), params.get(i), 1e-12, 1e-14);
            }
        }));
    }

    private static double num(Map<String, Object> a, String k) {
        Object v = a.get(k);
        return v == null ? 0 : ((Number) v).doubleValue();
    }

    @Test
    void rejectsBadLearningRates() {
        assertEquals("invalid learning rate: -0.1 (must be a positive number)",
                assertThrows(BackpropException.class, () -> new SGD(List.of(), -0.1)).getMessage());
        assertThrows(BackpropException.class, () -> new SGD(List.of(), Double.NaN));
    }
}
