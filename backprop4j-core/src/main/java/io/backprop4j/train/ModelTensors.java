package io.backprop4j.train;

import io.backprop4j.nn.Module;
import io.backprop4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tensors that make up a trained model: its parameters and (when it has any) its buffers. */
final class ModelTensors {
    private ModelTensors() {}

    /** Parameters then buffers, by dotted name, in declaration order. */
    static Map<String, Tensor> named(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>(model.namedParameters());
        model.namedBuffers().forEach((k, v) -> {
            if (out.putIfAbsent(k, v) != null) throw new io.backprop4j.BackpropException("model: buffer " + k + " has a parameter's name");
        });
        return out;
    }
}
