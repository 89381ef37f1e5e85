package io.backprop4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModuleTest {
    @Test
    void parametersComeInDeclarationOrder() {
        var rng = new SplittableRandom(0);
        var model = new Sequential(new Linear(4, 3, rng), new ReLU(), new Linear(3, 2, false, DType.FLOAT32, rng));
        assertEquals(List.of("0.weight", "0.bias", "2.weight"), List.copyOf(model.namedParameters().keySet()));
        assertEquals(4 * 3 + 3 + 3 * 2, model.parameterCount());
        assertTrue(model.parameters().get(0).requiresGrad());
        assertEquals("Linear(in=4, out=3, bias=true)", model.layers().get(0).toString());
        assertEquals("Sequential(\n  (0): Linear(in=4, out=3, bias=true),\n  (1): ReLU(),\n  (2): Linear(in=3, out=2, bias=false)\n)", model.toString());
    }

    @Test
    void forwardHooksSeeEachOutputOfTheRealPassUntilRemoved() {
        var rng = new SplittableRandom(3);
        var inner = new Sequential(new Linear(3, 3, rng), new Tanh());
        var model = new Sequential(new Linear(4, 3, rng), inner, new Linear(3, 2, rng));
        assertEquals(List.of("", "0", "1", "1.0", "1.1", "2"), List.copyOf(model.namedModules().keySet()));
        List<String> seen = new java.util.ArrayList<>();
        List<Tensor> outputs = new java.util.ArrayList<>();
        var handles = new java.util.ArrayList<Module.HookHandle>();
        model.namedModules().forEach((name, m) -> handles.add(m.registerForwardHook((mod, in, out) -> {
            assertTrue(mod == m);
            seen.add(name);
            outputs.add(out);
        })));
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 2, 4);
        Tensor y = model.call(x);
        assertEquals(List.of("0", "1.0", "1.1", "1", "2", ""), seen, "children finish before their parents");
        assertTrue(outputs.getLast() == y, "the hook sees the very output returned");
        assertTrue(outputs.get(2) == outputs.get(3), "the inner Sequential returns its last layer's output");
        model.forward(x);
        assertEquals(11, seen.size(), "forward() skips the module's own hooks, not its children's");
        handles.forEach(Module.HookHandle::close);
        handles.getFirst().close();   // a second close is harmless
        model.call(x);
        assertEquals(11, seen.size(), "no hook after its handle is closed");
        assertThrows(BackpropException.class, () -> model.registerForwardHook(null));
    }

    @Test
    void aHookRegisteredTwiceRunsTwiceAndClosesOnce() {
        var relu = new ReLU();
        int[] calls = new int[1];
        Module.ForwardHook h = (m, in, out) -> calls[0]++;
        var first = relu.registerForwardHook(h);
        relu.registerForwardHook(h);
        relu.call(Tensor.ones(2));
        assertEquals(2, calls[0]);
        first.close();
        relu.call(Tensor.ones(2));
        assertEquals(3, calls[0]);
    }

    /** A module of one's own with a child, a parameter of its own and a buffer. */
    static final class Scaled extends Module {
        final Linear inner;
        final Parameter scale;

        Scaled(SplittableRandom rng) {
            inner = child("inner", new Linear(3, 2, rng));
            scale = param("scale", Tensor.ones(2));
            buffer("calls", Tensor.zeros(1));
        }

        @Override
        public Tensor forward(Tensor x) {
            return inner.call(x).mul(scale);
        }
    }

    @Test
    void stateDictRoundTripsAnyModule() {
        var a = new Sequential(new Scaled(new SplittableRandom(1)), new BatchNorm1d(2));
        var b = new Sequential(new Scaled(new SplittableRandom(2)), new BatchNorm1d(2));
        assertEquals(List.of("0.scale", "0.calls", "0.inner.weight", "0.inner.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"),
                List.copyOf(a.stateDict().keySet()));
        Tensor x = Tensor.randn(new SplittableRandom(3), DType.FLOAT32, 5, 3);
        a.call(x);   // moves a's running statistics
        b.loadStateDict(a.stateDict());
        a.stateDict().forEach((k, t) -> assertEquals(t.toString().replace(", requires_grad=true", ""),
                b.stateDict().get(k).toString().replace(", requires_grad=true", ""), k));
        try (var mode = a.evalScope(); var mode2 = b.evalScope()) {
            assertEquals(a.call(x).toString(), b.call(x).toString());
        }
        assertFalse(a.stateDict().get("0.scale").requiresGrad(), "detached views");
    }

    @Test
    void loadStateDictNamesEveryProblemAndChangesNothing() {
        var m = new Scaled(new SplittableRandom(1));
        String before = m.stateDict().toString();
        var state = new java.util.LinkedHashMap<>(m.stateDict());
        state.remove("scale");
        state.put("inner.weight", Tensor.zeros(2, 3));
        state.put("extra", Tensor.zeros(1));
        var e = assertThrows(BackpropException.class, () -> m.loadStateDict(state));
        assertEquals("loadStateDict: missing scale; unexpected extra; inner.weight has shape [2, 3], the module's [3, 2]", e.getMessage());
        assertEquals(before, m.stateDict().toString());
    }

    @Test
    void initialisationIsSeededAndBounded() {
        var a = new Linear(100, 50, new SplittableRandom(1));
        var b = new Linear(100, 50, new SplittableRandom(1));
        assertEquals(a.weight().toString(), b.weight().toString());
        for (float v : a.weight().toFloatArray()) assertTrue(Math.abs(v) <= 0.1f);
        Tensor he = Init.heNormal(Tensor.zeros(DType.FLOAT64, 1000, 100), new SplittableRandom(2));
        double var = he.square().mean().item();
        assertEquals(2.0 / 1000, var, 2e-4);
    }

    @Test
    void inputShapeErrorsNameTheLayer() {
        var layer = new Linear(4, 3, new SplittableRandom(0));
        ShapeException e = assertThrows(ShapeException.class, () -> layer.forward(Tensor.zeros(2, 5)));
        assertTrue(e.getMessage().contains("Linear(in=4, out=3)") && e.getMessage().contains("[2, 5]") && e.getMessage().contains("[4, 3]"),
                e.getMessage());
    }

    @Test
    void activationsByName() {
        assertEquals("LeakyReLU(alpha=0.01)", Activation.byName("leaky_relu", null).toString());
        assertEquals(0.5, ((ELU) Activation.byName("elu", 0.5)).alpha());
        for (String name : Activation.NAMES) {
            Activation a = Activation.byName(name, null);
            assertEquals(name, a.specName());
            // the formula and its derivative stated beside forward(), as explain shows them
            assertTrue(a.formula().contains(" = ") && a.derivativeFormula().contains(" = "), name);
            assertTrue(a.derivativeFormula().startsWith("f'(x) = ") || a.derivativeFormula().startsWith("∂"), name + ": " + a.derivativeFormula());
        }
        assertEquals("f'(x) = \\cases{1}{x > 0}{0}", new ReLU().derivativeFormula());
        BackpropException e = assertThrows(BackpropException.class, () -> Activation.byName("swish", null));
        assertTrue(e.getMessage().contains("valid: identity, relu"), e.getMessage());
    }

    @Test
    void evalScopeRestoresModes() {
        var model = new Sequential(new Linear(2, 2, new SplittableRandom(0)), new Tanh());
        assertTrue(model.isTraining());
        try (var s = model.evalScope()) {
            assertFalse(model.isTraining());
            assertFalse(model.layers().get(0).isTraining());
        }
        assertTrue(model.layers().get(0).isTraining());
    }
}
