package io.backprop4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.io.Safetensors;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own module saved and loaded through safetensors, and PyTorch-written state dicts
 * (tools/fixtures/make_torch_weights.py) loaded into equivalent Sequentials.
 */
class PyTorchStateTest {
    /** A module of the user's own: its own parameter, a child Sequential with batch norm, a residual sum. */
    static final class Residual extends Module {
        final Parameter scale;
        final Sequential body;
        final Linear head;

        Residual(SplittableRandom rng) {
            scale = param("scale", Tensor.ones(4));
            body = child("body", new Sequential(new Linear(4, 4, rng), new BatchNorm1d(4), new Tanh()));
            head = child("head", new Linear(4, 2, rng));
            try (var g = NoGrad.enter()) {
                scale.copy_(Tensor.rand(new SplittableRandom(rng.nextLong()), DType.FLOAT32, 4).add(0.5));
            }
        }

        @Override
        public Tensor forward(Tensor x) {
            return head.call(x.mul(scale).add(body.call(x)));
        }
    }

    @Test
    void aUsersOwnModuleRoundTripsThroughSafetensors(@TempDir Path dir) {
        var model = new Residual(new SplittableRandom(1));
        var x = Tensor.randn(new SplittableRandom(2), DType.FLOAT32, 5, 4);
        model.forward(x);   // a training pass moves the running statistics off their initial values
        assertEquals(List.of("scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
                "body.1.running_mean", "body.1.running_var", "head.weight", "head.bias"), List.copyOf(model.stateDict().keySet()));
        Path file = dir.resolve("residual.safetensors");
        Safetensors.write(file, model.stateDict(), Map.of("kind", "Residual"));

        var other = new Residual(new SplittableRandom(99));
        Tensor before;
        try (var e = other.evalScope()) {
            before = other.forward(x);
        }
        Safetensors.Contents back = Safetensors.read(file);
        assertTrue(back.sealed());
        other.loadStateDict(back.tensors());
        model.stateDict().forEach((k, t) -> assertArrayEquals(t.toDoubleArray(), other.stateDict().get(k).toDoubleArray(), k));
        try (var e1 = model.evalScope(); var e2 = other.evalScope()) {
            Tensor want = model.forward(x), got = other.forward(x);
            assertArrayEquals(want.toDoubleArray(), got.toDoubleArray());
            assertTrue(Math.abs(before.getFlat(0) - got.getFlat(0)) > 1e-6, "the load changed nothing");
        }
        // The loaded module trains: its parameters get gradients.
        other.forward(x).sum().backward();
        assertTrue(other.scale.grad() != null && other.body.layers().get(0).parameters().get(0).grad() != null);
    }

    @Test
    void aStateOfAnotherModelIsRefusedNamingWhatDiffers(@TempDir Path dir) {
        var rng = new SplittableRandom(3);
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, new Sequential(new Linear(4, 3, rng), new BatchNorm1d(3)).stateDict(), Map.of());
        var other = new Sequential(new Linear(4, 2, rng), new ReLU(), new Linear(2, 1, rng));
        var e = assertThrows(BackpropException.class, () -> other.loadStateDict(Safetensors.read(file).tensors()));
        assertEquals("loadStateDict: missing 2.weight, 2.bias; unexpected 1.weight, 1.bias, 1.running_mean, 1.running_var;"
                + " 0.weight has shape [4, 3], the module's [4, 2]; 0.bias has shape [3], the module's [2]", e.getMessage());
    }

    static Sequential torchMlp(SplittableRandom rng) {
        return new Sequential(new Linear(6, 8, rng), new BatchNorm1d(8), new ReLU(), new Dropout(0.3, rng), new Linear(8, 5, rng),
                new Tanh(), new Linear(5, 3, rng), new Softmax());
    }

    /** The CNN of tools/fixtures/make_torch_weights.py (PyTorchReadsOurStateTest builds it too). */
    static Sequential torchCnn(SplittableRandom rng) {
        return new Sequential(new Conv2d(2, 4, 3, 1, 1, rng), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 6, 3, 2, 1, rng), new LeakyReLU(0.1), new Flatten(), new Linear(24, 5, rng));
    }

    @Test
    void pytorchWrittenWeightsGivePyTorchsOutputs() {
        for (var c : Map.of("mlp", torchMlp(new SplittableRandom(4)), "cnn", torchCnn(new SplittableRandom(5))).entrySet()) {
            Sequential model = c.getValue();
            Map<String, Tensor> state = fixture(c.getKey() + ".safetensors");
            assertTrue(state.keySet().stream().anyMatch(k -> k.endsWith("num_batches_tracked")), "PyTorch's counter is in the file");
            PyTorchState.load(model, state);
            Map<String, Tensor> io = fixture(c.getKey() + ".io.safetensors");
            try (var e = model.evalScope(); var g = NoGrad.enter()) {
                Fixtures.assertClose(c.getKey(), io.get("output"), model.forward(io.get("input")), 1e-5, 1e-6);
            }
            // and back: the PyTorch layout again, tensor for tensor
            Map<String, Tensor> back = PyTorchState.toPyTorch(model);
            state.forEach((k, t) -> {
                if (k.endsWith("num_batches_tracked")) return;
                assertArrayEquals(t.shape(), back.get(k).shape(), k);
                assertArrayEquals(t.toDoubleArray(), back.get(k).toDoubleArray(), 1e-7, k);
            });
        }
    }

    @Test
    void aPyTorchLinearOfAnotherSizeIsNamed() {
        var model = new Sequential(new Linear(6, 8, new SplittableRandom(6)));
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("0.weight", Tensor.zeros(6, 8));   // backprop4j's own layout, not PyTorch's [out, in]
        state.put("0.bias", Tensor.zeros(8));
        var e = assertThrows(BackpropException.class, () -> PyTorchState.load(model, state));
        assertEquals("PyTorch state dict: 0.weight: PyTorch's nn.Linear weight [6, 8] (out, in) does not fit"
                + " Linear(in=6, out=8, bias=true), which needs [8, 6]", e.getMessage());
    }

    private static Map<String, Tensor> fixture(String name) {
        try (InputStream in = PyTorchStateTest.class.getResourceAsStream("/fixtures/torch/" + name)) {
            if (in == null) throw new IllegalStateException("missing fixture " + name + "; run tools/fixtures/make_torch_weights.py");
            return Safetensors.fromBytes(in.readAllBytes(), name).tensors();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
