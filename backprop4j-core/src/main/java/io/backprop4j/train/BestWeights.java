package io.backprop4j.train;

import io.backprop4j.nn.Module;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One copy of a model's parameters and buffers as they were after a chosen epoch, for early
 * stopping to restore. The copy is allocated once, at the first {@link #keep}, and overwritten in
 * place after that, so a run makes no per-epoch garbage.
 */
final class BestWeights {
    private final Map<String, Tensor> live;
    private Map<String, Tensor> copy;
    private int epoch;

    BestWeights(Module model) {
        this.live = ModelTensors.named(model);
    }

    /** Copies the model's current tensors, those after {@code epoch}. */
    void keep(int epoch) {
        allocate();
        live.forEach((name, t) -> copy.get(name).copy_(t));
        this.epoch = epoch;
    }

    /** Takes the copy of {@code epoch} from a checkpoint; names and shapes must match the model's. */
    void load(Map<String, Tensor> saved, int epoch, String source) {
        allocate();
        Checkpoint.copyInto(copy, saved, source);
        this.epoch = epoch;
    }

    private void allocate() {
        if (copy != null) return;
        copy = new LinkedHashMap<>();
        live.forEach((name, t) -> copy.put(name, Tensor.zerosLike(t)));
    }

    /** Copies the kept tensors back into the model. */
    void restore() {
        try (var g = NoGrad.enter()) {
            live.forEach((name, t) -> t.copy_(copy.get(name)));
        }
    }

    /** The epoch whose tensors are kept, or 0 when none are. */
    int epoch() {
        return epoch;
    }

    /** The kept tensors by name (live: do not modify), or an empty map. */
    Map<String, Tensor> tensors() {
        return copy == null ? Map.of() : copy;
    }
}
