package io.backprop4j.train;

import io.backprop4j.nn.Module;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of a model's buffers (batch norm's running statistics) taken before each training step,
 * so that a step that diverges can be undone: its forward pass has already updated them. The
 * copies are allocated once; each {@link #take} overwrites them in place (the buffers are small).
 */
final class BufferSnapshot {
    private final List<Tensor> live = new ArrayList<>();
    private final List<Tensor> copy = new ArrayList<>();

    BufferSnapshot(Module model) {
        for (Tensor t : model.namedBuffers().values()) {
            live.add(t);
            copy.add(Tensor.zerosLike(t));
        }
    }

    void take() {
        for (int i = 0; i < live.size(); i++) copy.get(i).copy_(live.get(i));
    }

    void restore() {
        try (var g = NoGrad.enter()) {
            for (int i = 0; i < live.size(); i++) live.get(i).copy_(copy.get(i));
        }
    }
}
