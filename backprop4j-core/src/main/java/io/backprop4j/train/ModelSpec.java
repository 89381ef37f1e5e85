package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.data.Standardizer;
import io.backprop4j.internal.Json;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.Mlp;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Everything needed to rebuild a trained network and feed it raw data: the architecture, the
 * task, the preprocessing and the names of the classes and features. Stored as JSON in a model
 * file's metadata ({@link ModelFile}).
 *
 * <p>Two kinds: a multi-layer perceptron described by its sizes and settings (type {@code "mlp"},
 * built by {@link Mlp#build}), and any {@link Sequential} of the layers {@link LayerSpec} lists,
 * described layer by layer ({@link #sequential}: type {@code "sequential"}, the layers as
 * {@link Architecture#toMaps()}, with {@code "version"} {@value Architecture#VERSION}). For the
 * second, {@code hidden} is empty, {@code activation} null, {@code dropout} 0 and {@code batchNorm}
 * false: the layers say it all. Either way the network takes rows of {@code inputs} features (an
 * image network starts with an {@code unflatten}) and gives {@code outputs} numbers per row. A
 * sequence model (its first layer an {@code embedding}) takes windows of {@code inputs} int64
 * tokens and may give [N, T, outputs]: the next token's logits after every position.
 *
 * @param inputs the number of input features
 * @param hidden the sizes of the hidden layers (may be empty: a linear model)
 * @param outputs the number of outputs: classes, or regression targets
 * @param activation the hidden layers' activation, by its {@link io.backprop4j.nn.Activation#NAMES name}
 * @param dropout the dropout probability after each hidden activation (0: none)
 * @param batchNorm whether each hidden Linear is followed by BatchNorm1d
 * @param task classification (the outputs are logits) or regression
 * @param classNames a name per class (classification), or null
 * @param featureNames a name per input feature, or null
 * @param standardizer the feature scaling fitted on the training data, applied before the network; or null
 * @param data where the training data came from (a data set name or a file), or null
 * @param architecture the layers of a {@code "sequential"} model, or null for an MLP
 */
public record ModelSpec(int inputs, int[] hidden, int outputs, String activation, double dropout, boolean batchNorm,
                        Task task, String[] classNames, String[] featureNames, Standardizer standardizer, String data,
                        Architecture architecture) {
    /** The type of a multi-layer perceptron's spec. */
    public static final String TYPE = "mlp";
    /** The type of a spec that lists its layers. */
    public static final String SEQUENTIAL = "sequential";

    /** A multi-layer perceptron's spec. */
    public ModelSpec(int inputs, int[] hidden, int outputs, String activation, double dropout, boolean batchNorm,
                     Task task, String[] classNames, String[] featureNames, Standardizer standardizer, String data) {
        this(inputs, hidden, outputs, activation, dropout, batchNorm, task, classNames, featureNames, standardizer, data, null);
    }

    /**
     * The spec of any network of {@link LayerSpec}'s layers that takes rows of features (input
     * shape [features]) and gives [N, outputs].
     */
    public static ModelSpec sequential(Architecture architecture, Task task, String[] classNames, String[] featureNames,
                                       Standardizer standardizer, String data) {
        if (architecture == null) throw new BackpropException("model: architecture is null");
        int[] out = architecture.outputShape();
        if (architecture.inputShape().length != 1) {
            throw new BackpropException("model: the network must take rows of features, [N, features], not [N, "
                    + Arrays.toString(architecture.inputShape()).substring(1) + ": start it with an unflatten");
        }
        if (out.length != 2 && !(out.length == 3 && architecture.isSequenceModel())) {
            throw new BackpropException("model: the network's output " + LayerSpec.str(out) + " must be [N, outputs]: end it with a flatten and a linear");
        }
        return new ModelSpec(architecture.inputShape()[0], new int[0], out[out.length - 1], null, 0, false, task, classNames, featureNames,
                standardizer, data, architecture);
    }

    public ModelSpec {
        if (inputs < 1 || outputs < 1) throw new BackpropException("model: inputs and outputs must be >= 1, got " + inputs + " and " + outputs);
        hidden = hidden == null ? new int[0] : hidden.clone();
        for (int h : hidden) if (h < 1) throw new BackpropException("model: invalid layer size " + h + " (must be >= 1)");
        if (!(dropout >= 0 && dropout < 1)) throw new BackpropException("invalid dropout probability: " + dropout + " (must be in [0, 1))");
        if (task == null) throw new BackpropException("model: task is null");
        if (architecture != null) {
            int[] out = architecture.outputShape();
            if (hidden.length > 0 || activation != null || dropout != 0 || batchNorm || architecture.inputShape().length != 1
                    || architecture.inputShape()[0] != inputs || !(out.length == 2 || out.length == 3 && architecture.isSequenceModel())
                    || out[out.length - 1] != outputs) {
                throw new BackpropException("model: a sequential spec has its layers only (see ModelSpec.sequential); got "
                        + inputs + " inputs, " + outputs + " outputs for " + architecture.describe());
            }
        } else {
            if (activation == null) throw new BackpropException("model: activation is null");
            Activation.byName(activation, null); // an unknown name fails here, listing the valid ones
        }
        if (classNames != null && classNames.length != outputs) {
            throw new BackpropException("model: " + classNames.length + " class names for " + outputs + " outputs");
        }
        if (featureNames != null && featureNames.length != inputs) {
            throw new BackpropException("model: " + featureNames.length + " feature names for " + inputs + " inputs");
        }
        if (standardizer != null && standardizer.size() != inputs) {
            throw new BackpropException("model: standardizer of " + standardizer.size() + " features for " + inputs + " inputs");
        }
    }

    /** Whether this is a multi-layer perceptron's spec (type "mlp"), not a list of layers. */
    public boolean isMlp() {
        return architecture == null;
    }

    /** All layer sizes: inputs, hidden..., outputs (for a list of layers: inputs, outputs). */
    public int[] sizes() {
        int[] s = new int[hidden.length + 2];
        s[0] = inputs;
        System.arraycopy(hidden, 0, s, 1, hidden.length);
        s[s.length - 1] = outputs;
        return s;
    }

    /**
     * Builds the network ({@link Mlp#build}: weights initialised by the activation's scheme),
     * drawing the weights and then the dropout masks from {@code rng}. Give an
     * {@link EpochRandom} (and the same one to the {@link Trainer}) for reproducible, resumable
     * training.
     */
    public Sequential build(RandomGenerator rng) {
        if (architecture != null) return architecture.build(rng);
        return Mlp.build(sizes(), activation, dropout, batchNorm, rng, DType.FLOAT32);
    }

    /** "64-128-10 relu" and the extras; for a list of layers, {@link Architecture#describe()}. */
    public String describe() {
        if (architecture != null) return architecture.describe();
        StringBuilder sb = new StringBuilder();
        for (int s : sizes()) sb.append(sb.isEmpty() ? "" : "-").append(s);
        sb.append(' ').append(activation);
        if (dropout > 0) sb.append(", dropout ").append(dropout);
        if (batchNorm) sb.append(", batch norm");
        return sb.toString();
    }

    /** The spec as a JSON object (without the standardizer, which is stored beside it). */
    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (architecture != null) {
            m.put("type", SEQUENTIAL);
            m.put("version", Architecture.VERSION);
            m.put("inputs", inputs);
            m.put("layers", architecture.toMaps());
            m.put("outputs", outputs);
            m.put("task", task.cliName());
            m.put("class_names", classNames);
            m.put("feature_names", featureNames);
            m.put("standardized", standardizer != null);
            m.put("data", data);
            return Json.write(m);
        }
        m.put("type", TYPE);
        m.put("inputs", inputs);
        m.put("hidden", hidden);
        m.put("outputs", outputs);
        m.put("activation", activation);
        m.put("dropout", dropout);
        m.put("batch_norm", batchNorm);
        m.put("task", task.cliName());
        m.put("class_names", classNames);
        m.put("feature_names", featureNames);
        m.put("standardized", standardizer != null);
        m.put("data", data);
        return Json.write(m);
    }

    /** Reads {@link #toJson()}'s output; the standardizer is given separately. */
    static ModelSpec fromJson(String json, Standardizer standardizer, String source) {
        if (!(Json.parse(json, source) instanceof Map<?, ?> m)) throw new FormatException(source, null, "model spec is not a JSON object");
        Object type = m.get("type");
        if (SEQUENTIAL.equals(type)) return sequentialFromJson(m, json, standardizer, source);
        if (!TYPE.equals(type)) {
            throw new FormatException(source, null, "unknown model type " + (type == null ? "(none)" : "\"" + type + "\"")
                    + "; this version of backprop4j reads \"" + TYPE + "\" and \"" + SEQUENTIAL + "\"");
        }
        try {
            return new ModelSpec(intOf(m, "inputs", source), ints(m.get("hidden"), "hidden", source), intOf(m, "outputs", source),
                    (String) m.get("activation"), ((Number) m.get("dropout")).doubleValue(), (Boolean) m.get("batch_norm"),
                    Task.byName((String) m.get("task")), strings(m.get("class_names")), strings(m.get("feature_names")),
                    standardizer, (String) m.get("data"));
        } catch (ClassCastException | NullPointerException e) {
            throw new FormatException(source, null, "model spec is malformed: " + json);
        } catch (FormatException e) {
            throw e;
        } catch (BackpropException e) {
            throw new FormatException(source, null, "model spec is invalid: " + e.getMessage());
        }
    }

    private static ModelSpec sequentialFromJson(Map<?, ?> m, String json, Standardizer standardizer, String source) {
        if (!(m.get("version") instanceof Long v)) throw new FormatException(source, null, "model spec: \"version\" is not a whole number");
        if (v != Architecture.VERSION) {
            throw new FormatException(source, null, "model architecture version " + v + (v > Architecture.VERSION ? " is newer than" : " is not")
                    + " the one this version of backprop4j reads (" + Architecture.VERSION + "): use the backprop4j that wrote it");
        }
        int inputs = intOf(m, "inputs", source);
        if (!(m.get("layers") instanceof List<?> layers)) throw new FormatException(source, null, "model spec: \"layers\" is not an array");
        try {
            ModelSpec spec = sequential(Architecture.read(new int[] {inputs}, layers), Task.byName((String) m.get("task")),
                    strings(m.get("class_names")), strings(m.get("feature_names")), standardizer, (String) m.get("data"));
            if (spec.outputs != intOf(m, "outputs", source)) {
                throw new FormatException(source, null, "model spec: \"outputs\" is " + m.get("outputs") + " but the layers give " + spec.outputs);
            }
            return spec;
        } catch (ClassCastException | NullPointerException e) {
            throw new FormatException(source, null, "model spec is malformed: " + (json.length() > 200 ? json.substring(0, 197) + "..." : json));
        } catch (FormatException e) {
            throw e;
        } catch (BackpropException e) {
            throw new FormatException(source, null, "model spec is invalid: " + e.getMessage());
        }
    }

    private static int intOf(Map<?, ?> m, String key, String source) {
        if (!(m.get(key) instanceof Long v) || v < 0 || v > Integer.MAX_VALUE) {
            throw new FormatException(source, null, "model spec: \"" + key + "\" is not a whole number");
        }
        return (int) (long) v;
    }

    private static int[] ints(Object o, String key, String source) {
        if (!(o instanceof List<?> list)) throw new FormatException(source, null, "model spec: \"" + key + "\" is not an array");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 1 || v > Integer.MAX_VALUE) {
                throw new FormatException(source, null, "model spec: \"" + key + "\" holds " + list.get(i) + ", not a layer size");
            }
            out[i] = (int) (long) v;
        }
        return out;
    }

    private static String[] strings(Object o) {
        if (o == null) return null;
        List<String> out = new ArrayList<>();
        for (Object x : (List<?>) o) out.add((String) x);
        return out.toArray(String[]::new);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && inputs == s.inputs && Arrays.equals(hidden, s.hidden) && outputs == s.outputs
                && dropout == s.dropout && batchNorm == s.batchNorm && task == s.task
                && java.util.Objects.equals(activation, s.activation)
                && Arrays.equals(classNames, s.classNames) && Arrays.equals(featureNames, s.featureNames)
                && java.util.Objects.equals(architecture, s.architecture);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hidden) * 31 + inputs * 7 + outputs;
    }

    @Override
    public String toString() {
        return "ModelSpec(" + describe() + ", " + task.cliName() + ")";
    }
}
