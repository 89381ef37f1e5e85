package io.backprop4j.train;

import io.backprop4j.nn.Module;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Remembers each module's output during one forward pass, through forward hooks, so that a
 * non-finite loss can be traced to the first layer that produced a NaN or infinity without
 * running the model again (which would update batch-norm statistics and draw new dropout masks).
 * Holding the outputs costs nothing: the autograd graph keeps them alive anyway. Passes under
 * {@link NoGrad} (validation, a listener's evaluation between epochs) are not recorded: no graph
 * holds their outputs, and kept until the next step they were promoted to the old generation
 * (words-transformer: some 630 MB at each epoch's end, toward the whole default heap over the recipe).
 */
final class OutputRecorder implements AutoCloseable {
    private record Output(String name, Module module, Tensor value) {}

    private final List<Output> outputs = new ArrayList<>();
    private final List<Module.HookHandle> handles = new ArrayList<>();

    OutputRecorder(Module model) {
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getKey().isEmpty()) continue;
            String name = e.getKey();
            handles.add(e.getValue().registerForwardHook((m, in, out) -> {
                if (NoGrad.isGradEnabled()) outputs.add(new Output(name, m, out));
            }));
        }
    }

    /** Forgets the outputs of the previous pass. */
    void clear() {
        outputs.clear();
    }

    /**
     * "; the first non-finite output is layer 2's (Linear(...))" for the first output, in the order
     * the modules finished, that holds a NaN or infinity; or a note that the input already did.
     */
    String firstNonFinite(Tensor input) {
        String bad = Trainer.nonFinite(input);
        if (bad != null) return " (the input batch already holds " + bad + ")";
        for (Output o : outputs) {
            if (Trainer.nonFinite(o.value()) != null) return "; the first non-finite output is layer " + o.name() + "'s (" + o.module() + ")";
        }
        return "";
    }

    @Override
    public void close() {
        handles.forEach(Module.HookHandle::close);
        handles.clear();
        outputs.clear();
    }
}
