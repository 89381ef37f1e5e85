package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.BackpropException;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.TestFiles;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fuzzes the readers of model files ({@link ModelFile#fromBytes}) and checkpoints
 * ({@link Checkpoint#fromBytes}): whatever the bytes, they load or are refused with a
 * {@link BackpropException}. Each input is read twice: as it is (random edits break the seal, so
 * this fuzzes the container and the seal), and with the seal recomputed
 * ({@link TestFiles#reseal}), which lets the edits through to what lies behind it: the model
 * spec, the standardizer, the history, the early-stopping state, tensor names and shapes, and
 * the restore into a model and an optimiser. The seeds under {@code SavedFileFuzzTestInputs/}
 * are files written by {@code backprop4j train} (batch norm, dropout, a schedule, a run stopped
 * early with its best weights; a small CNN from {@code train --model FILE.yaml}, whose spec
 * lists its layers: conv2d, batch_norm2d, max_pool2d, dropout2d, flatten, linear) and the
 * tester's edits of issue 18 (the seal removed, two tensors' offsets swapped).
 */
class SavedFileFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void model(byte[] input) {
        readModel(input);
        readModel(TestFiles.reseal(input));
    }

    @FuzzTest(maxDuration = "2m")
    void checkpoint(byte[] input) {
        readCheckpoint(input);
        readCheckpoint(TestFiles.reseal(input));
    }

    private static void readModel(byte[] bytes) {
        ModelFile m;
        try {
            m = ModelFile.fromBytes(bytes, "fuzz.safetensors");
        } catch (BackpropException expected) {
            return;
        }
        // What loads predicts, and saves to a file that loads to the same tensors.
        int inputs = m.spec().inputs();
        Tensor out = m.predictRaw(Tensor.zeros(2, inputs));
        assertEquals(2, out.size(0));
        ModelFile again = ModelFile.fromBytes(ModelFile.toBytes(m.model(), m.spec()), "again.safetensors");
        Map<String, Tensor> a = ModelTensors.named(m.model());
        Map<String, Tensor> b = ModelTensors.named(again.model());
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }

    private static void readCheckpoint(byte[] bytes) {
        Checkpoint cp;
        try {
            cp = Checkpoint.fromBytes(bytes, "fuzz-checkpoint.safetensors");
        } catch (BackpropException expected) {
            return;
        }
        cp.history();
        cp.earlyStopping();
        String json = cp.metadata().get(ModelFile.SPEC_KEY);
        if (json == null) return;
        try {
            ModelSpec spec = ModelSpec.fromJson(json, null, "fuzz metadata");
            ModelFile.checkFits(spec, cp.modelTensors(), "fuzz");
            Sequential model = spec.build(new SplittableRandom(0));
            Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-3);
            cp.restore(model, opt, null);
        } catch (BackpropException expected) {
            // a clear refusal is the contract
        }
    }
}
