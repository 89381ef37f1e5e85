package io.backprop4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.PyTorchState;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other way from PyTorchStateTest: PyTorch (Debian's python3-torch) loads our weights. Skips without it. */
class PyTorchReadsOurStateTest {
    /** PyTorch loads {@link PyTorchState#toPyTorch} of a trained CNN into its own nn.Sequential and predicts what we predict. */
    @Test
    void pytorchLoadsWhatToPyTorchWrites(@TempDir Path dir) throws Exception {
        assumeTrue(pythonWithTorch(), "/usr/bin/python3 with torch is not installed");
        var rng = new SplittableRandom(8);
        Sequential model = new Sequential(new Conv2d(2, 4, 3, 1, 1, rng), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 6, 3, 2, 1, rng), new LeakyReLU(0.1), new Flatten(), new Linear(24, 5, rng));
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 3, 2, 8, 8);
        model.forward(x);   // training mode: the running statistics move
        Path weights = dir.resolve("cnn.safetensors"), input = dir.resolve("x.safetensors");
        Safetensors.write(weights, PyTorchState.toPyTorch(model), Map.of());
        Safetensors.write(input, Map.of("x", x), Map.of());
        Path script = dir.resolve("load.py");
        java.nio.file.Files.writeString(script, """
                import json, struct, sys
                import torch, torch.nn as nn
                def read(path):   # safetensors by hand: 8-byte header length, JSON header, data
                    with open(path, 'rb') as f:
                        raw = f.read()
                    n = struct.unpack('<Q', raw[:8])[0]
                    header = json.loads(raw[8:8 + n])
                    out = {}
                    for name, e in header.items():
                        if name == '__metadata__':
                            continue
                        b, end = e['data_offsets']
                        out[name] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + end]), dtype=torch.float32).reshape(e['shape'])
                    return out
                model = nn.Sequential(nn.Conv2d(2, 4, 3, stride=1, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.LeakyReLU(0.1), nn.Flatten(), nn.Linear(24, 5))
                model.load_state_dict(read(sys.argv[1]))   # strict: every name and shape must fit
                model.eval()
                with torch.no_grad():
                    y = model(read(sys.argv[2])['x'])
                print(json.dumps([float(v) for v in y.flatten().tolist()]))
                """);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), weights.toString(), input.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        double[] theirs = ((List<?>) io.backprop4j.internal.Json.parse(output.lines().reduce((a, b) -> b).orElse(""), "python"))
                .stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        try (var e = model.evalScope(); var g = NoGrad.enter()) {
            Fixtures.assertClose("PyTorch on our weights", Tensor.of(theirs, 3, 5), model.forward(x), 1e-5, 1e-6);
        }
    }

    private static boolean pythonWithTorch() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

}
