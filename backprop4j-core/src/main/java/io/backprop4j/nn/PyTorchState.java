package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves a state dict between PyTorch's layout and backprop4j's, for a model built the same way
 * on both sides (an {@code nn.Sequential} and a {@link Sequential} of the same layers, in the
 * same order, so that the dotted names agree: {@code "0.weight"}, {@code "1.running_mean"}...).
 *
 * <p>Two things differ: {@code nn.Linear} stores its weight [out, in] and computes
 * {@code x Wᵀ + b}, while {@link Linear} stores W [in, out] and computes {@code x W + b}, so a
 * Linear's weight is transposed each way; and PyTorch's batch norms carry a
 * {@code num_batches_tracked} counter, which backprop4j does not use (its momentum is fixed), so
 * it is dropped when reading. Convolution weights ([out, in/groups, kH, kW]), biases and the
 * running statistics are the same on both sides.
 *
 * <pre>{@code
 * // PyTorch: torch.save / safetensors.torch.save_file(model.state_dict(), "mlp.safetensors")
 * var model = new Sequential(new Linear(6, 8, rng), new BatchNorm1d(8), new ReLU(), new Linear(8, 3, rng));
 * PyTorchState.load(model, Safetensors.read(Path.of("mlp.safetensors")).tensors());
 * }</pre>
 */
public final class PyTorchState {
    private static final String BATCHES_TRACKED = "num_batches_tracked";

    private PyTorchState() {}

    /**
     * Loads a PyTorch state dict into {@code model}: {@link #fromPyTorch}, then
     * {@link Module#loadStateDict} (strict: missing and unexpected names and misfitting shapes
     * are named together, and nothing is changed then).
     */
    public static void load(Module model, Map<String, Tensor> pytorchState) {
        model.loadStateDict(fromPyTorch(model, pytorchState));
    }

    /**
     * {@code pytorchState} in backprop4j's layout for {@code model}: each {@link Linear}'s
     * {@code weight} transposed from [out, in] to [in, out] (a view, not a copy), every
     * {@code *.num_batches_tracked} dropped, everything else as it is.
     *
     * @throws BackpropException when a Linear's weight is not the [out, in] that the layer needs
     */
    public static Map<String, Tensor> fromPyTorch(Module model, Map<String, Tensor> pytorchState) {
        if (model == null || pytorchState == null) throw new BackpropException("PyTorchState.fromPyTorch: model or state is null");
        Map<String, Linear> linears = linears(model);
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        pytorchState.forEach((name, t) -> {
            if (name.equals(BATCHES_TRACKED) || name.endsWith("." + BATCHES_TRACKED)) return;
            Linear linear = linears.get(name);
            if (linear != null && t != null) {
                int[] want = {linear.outFeatures(), linear.inFeatures()};
                if (!java.util.Arrays.equals(t.shape(), want)) {
                    problems.add(name + ": PyTorch's nn.Linear weight " + Shapes.str(t.shape()) + " (out, in) does not fit "
                            + linear + ", which needs " + Shapes.str(want));
                    return;
                }
                t = t.t();
            }
            out.put(name, t);
        });
        if (!problems.isEmpty()) throw new BackpropException("PyTorch state dict: " + String.join("; ", problems));
        return out;
    }

    /**
     * {@code model}'s state dict in PyTorch's layout ({@link Module#stateDict()} with each
     * Linear's weight transposed to [out, in], as contiguous copies), for
     * {@code model.load_state_dict(...)} on an equivalent {@code nn.Sequential}. PyTorch fills in
     * the missing {@code num_batches_tracked} of a batch norm itself when loading such a dict.
     */
    public static Map<String, Tensor> toPyTorch(Module model) {
        if (model == null) throw new BackpropException("PyTorchState.toPyTorch: model is null");
        Map<String, Linear> linears = linears(model);
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.stateDict().forEach((name, t) -> out.put(name, linears.containsKey(name) ? t.t().contiguous() : t));
        return out;
    }

    /** The Linear layers of {@code model} by the dotted name of their weight ("0.weight"). */
    private static Map<String, Linear> linears(Module model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Linear l) out.put(path.isEmpty() ? "weight" : path + ".weight", l);
        });
        return out;
    }
}
