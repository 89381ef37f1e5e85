package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.data.Standardizer;
import io.backprop4j.data.Vocabulary;
import io.backprop4j.internal.Json;
import io.backprop4j.io.FileKind;
import io.backprop4j.io.Safetensors;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A trained model in one file: enough to predict from raw features with nothing else.
 *
 * <h2>Format</h2>
 * A <a href="https://github.com/huggingface/safetensors">safetensors</a> file (see
 * {@link Safetensors}), which PyTorch reads with {@code safetensors.torch.load_file}:
 * <ul>
 *   <li>tensors: the network's parameters and buffers by name, float32: {@code 0.weight}
 *       [in, out] (note: PyTorch's {@code nn.Linear} stores the transpose, [out, in]),
 *       {@code 0.bias} [out], {@code 1.running_mean}... in layer order;</li>
 *   <li>{@code __metadata__}:
 *     <ul>
 *       <li>{@code backprop4j.kind}: {@code "model"};</li>
 *       <li>{@code backprop4j.model}: the {@link ModelSpec} as JSON, e.g.
 *           {@code {"type":"mlp","inputs":64,"hidden":[128],"outputs":10,"activation":"relu",
 *           "dropout":0.0,"batch_norm":false,"task":"classify","class_names":["0",...],
 *           "feature_names":[...],"standardized":true,"data":"digits"}}, or for any other
 *           {@link Sequential} of the layers {@link LayerSpec} lists, the layers themselves
 *           with every field ({@code {"type":"sequential","version":1,"inputs":784,"layers":[{"type":
 *           "unflatten","dim":1,"sizes":[1,28,28]},{"type":"conv2d","in_channels":1,...},...],
 *           "outputs":10,"task":...}}; the tensors are then named by position as the
 *           {@link Module#stateDict()} names them: {@code 1.weight} [out, in, kh, kw] as PyTorch's);
 *           files of type "mlp" from earlier versions load as they did;</li>
 *       <li>{@code standardizer.mean}, {@code standardizer.std}: JSON arrays, when the features
 *           are standardized ({@link Standardizer#toMetadata});</li>
 *       <li>{@code backprop4j.checksum}, the seal (CRC32C of the whole file but itself: the
 *           header as written, with every tensor's name, shape and offsets, and the data), and
 *           {@code backprop4j.format} ({@code 2}), both first in the header (see {@link Safetensors}).</li>
 *     </ul></li>
 * </ul>
 * Files are written atomically. Loading refuses, naming the file: anything but a regular file
 * (a FIFO or device is never opened), a truncated or altered file (the seal), a file without the
 * seal ("not written by backprop4j, or altered"), another kind of file, an unknown model type or
 * format version, and tensors whose names or shapes do not fit the architecture.
 *
 * <pre>{@code
 * ModelFile.save(Path.of("digits.safetensors"), model, spec);
 * ModelFile m = ModelFile.load(Path.of("digits.safetensors"));
 * Tensor p = m.predictProbabilities(rawFeatures);   // [n, classes], rows sum to 1
 * }</pre>
 */
public final class ModelFile {
    /** Metadata key of the model spec JSON. */
    public static final String SPEC_KEY = "backprop4j.model";
    static final String STANDARDIZER_PREFIX = "standardizer.";
    /** Metadata key of a text model's vocabulary: the code points of tokens 1, 2, ... as a JSON array. */
    public static final String VOCABULARY_KEY = "text.vocabulary";

    private final ModelSpec spec;
    private final Sequential model;
    private final Path source;
    private final Vocabulary vocabulary;

    private ModelFile(ModelSpec spec, Sequential model, Path source, Vocabulary vocabulary) {
        this.spec = spec;
        this.model = model;
        this.source = source;
        this.vocabulary = vocabulary;
    }

    /** A model file's contents from a spec and a model built from it (not copied). */
    public static ModelFile of(ModelSpec spec, Sequential model) {
        return new ModelFile(spec, model, null, null);
    }

    /** The metadata {@link #save} stores (without the checksums). */
    public static Map<String, String> metadata(ModelSpec spec) {
        return metadata(spec, null);
    }

    /**
     * The metadata of a model, with the vocabulary of a text model (null: none): a sequence
     * model's tokens are this vocabulary's ({@link Vocabulary#size()} rows of its embedding).
     */
    public static Map<String, String> metadata(ModelSpec spec, Vocabulary vocabulary) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.KIND_KEY, "model");
        meta.put(SPEC_KEY, spec.toJson());
        if (spec.standardizer() != null) meta.putAll(spec.standardizer().toMetadata(STANDARDIZER_PREFIX));
        if (vocabulary != null) {
            checkVocabulary(spec, vocabulary, "model");
            meta.put(VOCABULARY_KEY, Json.write(vocabulary.codePoints()));
        }
        return meta;
    }

    /** Refuses a vocabulary that is not the sequence model's: its size must be the embedding's rows and the outputs. */
    private static void checkVocabulary(ModelSpec spec, Vocabulary v, String src) {
        if (spec.isMlp() || !(spec.architecture().layers().getFirst() instanceof LayerSpec.Embedding e)) {
            throw new BackpropException(src + ": a vocabulary is for sequence models (an embedding first); this is " + spec.describe());
        }
        if (e.vocabulary() != v.size() || spec.outputs() != v.size()) {
            throw new BackpropException(src + ": the vocabulary of " + v.size() + " tokens does not fit the model's embedding of "
                    + e.vocabulary() + " and its " + spec.outputs() + " outputs");
        }
    }

    /** {@link #save}, with the vocabulary of a text model. */
    public static void save(Path file, Module model, ModelSpec spec, Vocabulary vocabulary) {
        Safetensors.write(file, ModelTensors.named(model), metadata(spec, vocabulary));
    }

    /**
     * Writes {@code model} (built from {@code spec}) to {@code file}, atomically. For a network
     * built in Java, {@code ModelSpec.sequential(Architecture.of(model, features), ...)} is its spec.
     */
    public static void save(Path file, Module model, ModelSpec spec) {
        Safetensors.write(file, ModelTensors.named(model), metadata(spec));
    }

    /** The bytes {@link #save} would write. */
    public static byte[] toBytes(Module model, ModelSpec spec) {
        return Safetensors.toBytes(ModelTensors.named(model), metadata(spec));
    }

    /**
     * Reads a model file and rebuilds its network (in evaluation mode).
     *
     * @throws FormatException when the file is corrupt, altered, or not a backprop4j model
     * @throws BackpropException when it cannot be read
     */
    public static ModelFile load(Path file) {
        FileKind.requireRegular(file, "a model file (as 'train --save' writes)");
        return read(Safetensors.read(file), file.toString(), file);
    }

    /** Reads a model file's bytes; {@code sourceName} names them in errors. */
    static ModelFile fromBytes(byte[] bytes, String sourceName) {
        return read(Safetensors.fromBytes(bytes, sourceName), sourceName, null);
    }

    private static ModelFile read(Safetensors.Contents c, String src, Path file) {
        Map<String, String> meta = c.metadata();
        String kind = meta.get(Checkpoint.KIND_KEY);
        if (c.sealed() && !"model".equals(kind)) {
            String hint = "checkpoint".equals(kind) ? " (it is a training checkpoint: use it with train --resume)" : "";
            throw new FormatException(src, null, "not a backprop4j model file" + (kind == null
                    ? " (its metadata has no " + Checkpoint.KIND_KEY + ")" : hint));
        }
        Seal.require(c, src, "model files");
        String json = meta.get(SPEC_KEY);
        if (json == null) throw new FormatException(src, null, "model metadata lacks \"" + SPEC_KEY + "\"");
        Standardizer standardizer = null;
        if (meta.containsKey(STANDARDIZER_PREFIX + "mean")) {
            try {
                standardizer = Standardizer.fromMetadata(meta, STANDARDIZER_PREFIX);
            } catch (BackpropException e) {
                throw new FormatException(src, null, "bad standardizer in the metadata: " + e.getMessage());
            }
        }
        ModelSpec spec = ModelSpec.fromJson(json, standardizer, src + " metadata " + SPEC_KEY);
        Vocabulary vocabulary = meta.containsKey(VOCABULARY_KEY) ? readVocabulary(meta.get(VOCABULARY_KEY), spec, src) : null;
        checkFits(spec, c.tensors(), src);
        Sequential model = spec.build(new SplittableRandom(0));
        Checkpoint.copyInto(ModelTensors.named(model), c.tensors(), src);
        model.setTraining(false);
        return new ModelFile(spec, model, file, vocabulary);
    }

    private static Vocabulary readVocabulary(String json, ModelSpec spec, String src) {
        if (!(Json.parse(json, src + " metadata " + VOCABULARY_KEY) instanceof List<?> list)) {
            throw new FormatException(src, null, "metadata " + VOCABULARY_KEY + " is not an array of code points");
        }
        try {
            int[] cps = new int[list.size()];
            for (int i = 0; i < cps.length; i++) cps[i] = Math.toIntExact((Long) list.get(i));
            Vocabulary v = new Vocabulary(cps);
            checkVocabulary(spec, v, src);
            return v;
        } catch (ClassCastException | NullPointerException | ArithmeticException e) {
            throw new FormatException(src, null, "metadata " + VOCABULARY_KEY + " is not an array of code points");
        } catch (FormatException e) {
            throw e;
        } catch (BackpropException e) {
            throw new FormatException(src, null, e.getMessage().startsWith(src) ? e.getMessage().substring(src.length() + 2) : e.getMessage());
        }
    }

    /**
     * Refuses an architecture with more weights than the file holds numbers, before building it:
     * the tensors' names and shapes are checked after, but a claim of a billion hidden units would
     * first fill the heap.
     */
    static void checkFits(ModelSpec spec, Map<String, Tensor> tensors, String src) {
        long held = 0;
        for (Tensor t : tensors.values()) held += t.numel();
        int[] sizes = spec.sizes();
        long needed = 0;
        if (spec.isMlp()) {
            for (int i = 0; i + 1 < sizes.length && needed <= held; i++) needed += (long) sizes[i] * sizes[i + 1] + sizes[i + 1];
        } else {
            // A convolution's weights are few for the work; what could fill the heap is a layer's output, checked by Architecture.
            needed = spec.architecture().tensorElements();
        }
        if (needed > held) {
            String d = spec.describe();
            throw new FormatException(src, null, "the architecture (" + (d.length() > 60 ? d.substring(0, 57) + "..." : d)
                    + ") needs more parameters than the file's "
                    + held + " numbers: the file is corrupt or was altered");
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** A text model's vocabulary (its tokens' characters), or null. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The network (in evaluation mode after {@link #load}). */
    public Sequential model() {
        return model;
    }

    /** The file it was loaded from, or null. */
    public Path source() {
        return source;
    }

    /** Standardizes raw features [n, inputs] as at training time (the same tensor when there is no standardizer). */
    public Tensor preprocess(Tensor rawFeatures) {
        if (rawFeatures.rank() != 2 || rawFeatures.size(1) != spec.inputs()) {
            throw new ShapeException("the model takes " + spec.inputs() + " features per row, got " + Shapes.str(rawFeatures.shape()));
        }
        return spec.standardizer() == null ? rawFeatures : spec.standardizer().apply(rawFeatures);
    }

    /** The network's outputs (logits, or regression values) for raw features [n, inputs]; eval mode, no graph. */
    public Tensor predictRaw(Tensor rawFeatures) {
        Tensor x = preprocess(rawFeatures);
        try (var g = NoGrad.enter(); var mode = model.evalScope()) {
            return model.call(x);
        }
    }

    /** Class probabilities [n, classes] (softmax of the logits) for raw features; classification only. */
    public Tensor predictProbabilities(Tensor rawFeatures) {
        if (spec.task() != Task.CLASSIFY) throw new BackpropException("the model is a regression model: it has no class probabilities");
        Tensor logits = predictRaw(rawFeatures);
        try (var g = NoGrad.enter()) {
            return logits.softmax(1);
        }
    }

    /** The predicted class of each row of raw features; classification only. */
    public int[] predictClasses(Tensor rawFeatures) {
        if (spec.task() != Task.CLASSIFY) throw new BackpropException("the model is a regression model: it predicts values, not classes");
        return Metrics.argmax(predictRaw(rawFeatures));
    }

    /** The name of class k (its index as text when the model has no names). */
    public String className(int k) {
        return spec.classNames() != null ? spec.classNames()[k] : Integer.toString(k);
    }

    @Override
    public String toString() {
        return "ModelFile(" + spec.describe() + ", " + spec.task().cliName() + (source == null ? "" : ", " + source) + ")";
    }
}
