package io.backprop4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PredictBench times what it should: its two models, exported, run in ONNX Runtime as in backprop4j. */
class PredictBenchTest {
    @Test
    void benchmarkModelsAgreeWithOnnxRuntime() throws Exception {
        var rng = new SplittableRandom(3);
        var models = PredictBench.models(0);
        assertEquals(2, models.size());
        for (var m : models) {
            int[] shape = PredictBench.shape(3, m.sample());
            Tensor x = Tensor.rand(rng, DType.FLOAT32, shape);
            try (var ort = new PredictBench.Ort(Onnx.toBytes(m.net(), m.sample()), 1);
                 var g = NoGrad.enter(); var e = m.net().evalScope()) {
                float[] theirs = ort.run(FloatBuffer.wrap(x.toFloatArray()), Arrays.stream(shape).asLongStream().toArray());
                OnnxTesting.assertClose(m.name(), Tensor.of(theirs, 3, 10), m.net().forward(x), 1e-5);
            }
        }
    }
}
