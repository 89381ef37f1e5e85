package io.backprop4j.train;

import io.backprop4j.nn.Module;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Remembers each module's output during one forward pass, through forward hooks, so that a
 * non-finite loss can be traced to the first layer that produced a NaN or infinity without
 * running the model again (which would update batch-norm statistics and draw new dropout masks).
 * Holding the outputs costs nothing: the autograd graph keeps them alive anyway.
 */
final class OutputRecorder implements AutoCloseable {
    private record Output(String name, Module module, Tensor value) {}

    private final List<Output> outputs = new ArrayList<>();
    private final List<Module.HookHandle> handles = new ArrayList<>();

    OutputRecorder(Module model) {
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getKey().isEmpty()) continue;
            String name = e.getKey();
            handles.add(e.getValue().registerForwardHook((m, in, out) -> outputs.add(new Output(name, m, out))));
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
