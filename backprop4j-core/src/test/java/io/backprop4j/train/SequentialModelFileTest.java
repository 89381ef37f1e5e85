package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.data.Standardizer;
import io.backprop4j.internal.Json;
import io.backprop4j.io.Safetensors;
import io.backprop4j.nn.*;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.testing.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files of any Sequential: the architecture's round trip for every layer type, and what is refused. */
class SequentialModelFileTest {
    @TempDir
    Path dir;

    static final String[] CLASSES = {"a", "b", "c"};

    /** One network through every layer type LayerSpec has, with settings off their defaults, for rows of 48 features. */
    static Sequential everyLayer(SplittableRandom rng) {
        return new Sequential(
                new Unflatten(1, 3, 4, 4),
                new RandomShift2d(1, true, -0.5, rng),
                Conv2d.builder(3, 4, 3, 2).padding(1, 0).dilation(1, 1).groups(1).bias(true).build(rng),  // [N, 4, 4, 3]
                new BatchNorm2d(4, 1e-4, 0.2, io.backprop4j.tensor.DType.FLOAT32),
                new LeakyReLU(0.1),
                new MaxPool2d(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 0}, new int[] {1, 1}, true),   // [N, 4, 5, 2]
                new AvgPool2d(new int[] {2, 1}, new int[] {1, 1}, new int[] {0, 0}, false, false, 0),          // [N, 4, 4, 2]
                new Dropout2d(0.25, rng),
                new AdaptiveAvgPool2d(2, 1),                                                                     // [N, 4, 2, 1]
                new Sigmoid(),
                new Flatten(),                                                                                   // [N, 8]
                new BatchNorm1d(8),
                new ELU(0.5),
                new Dropout(0.1, rng),
                new Linear(8, 6, rng),
                new Unflatten(1, 2, 3),                                                                          // [N, 2, 3]
                new Conv1d(2, 4, 2, 1, 1, 2, 2, false, io.backprop4j.tensor.DType.FLOAT32, rng),                 // [N, 4, 3]
                new Tanh(), new Softplus(), new GELU(), new ReLU(), new Identity(),
                new Flatten(1, 2),                                                                               // [N, 12]
                new Linear(12, 3, false, io.backprop4j.tensor.DType.FLOAT32, rng),
                new Softmax(), new LogSoftmax());
    }

    static ModelSpec spec(Architecture arch) {
        float[] mean = new float[48], std = new float[48];
        java.util.Arrays.fill(mean, 0.25f);
        java.util.Arrays.fill(std, 2f);
        return ModelSpec.sequential(arch, Task.CLASSIFY, CLASSES, null, new Standardizer(mean, std), "test");
    }

    /** One network of every sequence layer type, off their defaults, for windows of 5 tokens below 7: [N, 5] to [N, 5, 7]. */
    static Sequential everySequenceLayer(SplittableRandom rng) {
        var f32 = io.backprop4j.tensor.DType.FLOAT32;
        return new Sequential(
                new Embedding(7, 8, rng),
                new PositionalEmbedding(6, 8, rng),
                new TransformerBlock(8, 2, 12, 0.1, f32, rng),
                new LayerNorm(8, 1e-4, true, f32),
                new LSTM(8, 6, 2, true, true, 0.2, f32, rng),
                new GRU(6, 5, 1, true, true, 0.0, f32, rng),
                new RNN(5, 4, 2, true, true, 0.1, f32, rng),
                new Linear(4, 7, rng));
    }

    @Test
    void everyLayerTypeIsCovered() {
        Architecture arch = Architecture.of(everyLayer(new SplittableRandom(1)), 48);
        Architecture seq = Architecture.of(everySequenceLayer(new SplittableRandom(1)), 5);
        Set<String> seen = new TreeSet<>();
        for (LayerSpec l : arch.layers()) seen.add(l.type());
        for (LayerSpec l : seq.layers()) seen.add(l.type());
        assertEquals(new TreeSet<>(LayerSpec.TYPES), seen, "a layer type without a round trip here");
        assertArrayEquals(new int[] {1, 3}, arch.outputShape());
        assertArrayEquals(new int[] {1, 5, 7}, seq.outputShape());
        assertTrue(seq.isSequenceModel());
        long params = everySequenceLayer(new SplittableRandom(1)).parameterCount();
        assertEquals(params, seq.tensorElements(), "tensorElements counts what the layers hold");
    }

    @Test
    void aSequenceModelRoundTripsWithItsVocabulary() {
        Sequential net = everySequenceLayer(new SplittableRandom(2));
        Architecture arch = Architecture.of(net, 5);
        String json = Json.write(arch.toMaps());
        assertEquals(arch, Architecture.read(new int[] {5}, (List<?>) Json.parse(json, "test")));
        ModelSpec spec = ModelSpec.sequential(arch, Task.CLASSIFY, null, null, null, "text");
        assertEquals(7, spec.outputs());
        var vocabulary = new io.backprop4j.data.Vocabulary(new int[] {'a', 'b', 'c', 'd', 'e', 0xe9});
        Path file = dir.resolve("seq.safetensors");
        ModelFile.save(file, net, spec, vocabulary);
        ModelFile back = ModelFile.load(file);
        assertEquals(spec, back.spec());
        assertEquals(vocabulary, back.vocabulary());
        Tensor x = Tensor.of(new int[] {0, 1, 2, 6, 5, 0, 0, 3, 4, 2}, 2, 5);
        net.setTraining(false);
        try (var g = NoGrad.enter()) {
            assertArrayEquals(net.call(x).toFloatArray(), back.model().call(x).toFloatArray());
        }
        // A vocabulary of another size than the embedding's is refused, saving and loading.
        var wrong = new io.backprop4j.data.Vocabulary(new int[] {'a', 'b'});
        var e = assertThrows(BackpropException.class, () -> ModelFile.save(dir.resolve("w.safetensors"), net, spec, wrong));
        assertTrue(e.getMessage().contains("the vocabulary of 3 tokens does not fit the model's embedding of 7"), e.getMessage());
        // A window longer than the positional table: the layer is named.
        var longer = assertThrows(BackpropException.class, () -> Architecture.read(new int[] {9}, arch.toMaps()));
        assertTrue(longer.getMessage().contains("layers[1] (positional_embedding): a sequence of 9 positions"), longer.getMessage());
    }

    @Test
    void theArchitectureIsReadBackFromItsOwnMapsAndFromJavaInts() {
        // toMaps() holds Integers (Java's), the JSON reader gives Longs: read takes both, so a
        // Spark executor can rebuild the model from the maps without a JSON round trip.
        Architecture arch = Architecture.of(everyLayer(new SplittableRandom(1)), 48);
        assertEquals(arch, Architecture.read(new int[] {48}, arch.toMaps()));
        Architecture cnn = Architecture.read(new int[] {64}, List.of(
                Map.of("type", "unflatten", "sizes", List.of(1, 8, 8)),
                Map.of("type", "conv2d", "out_channels", 4, "kernel", 3, "padding", 1), Map.of("type", "relu"),
                Map.of("type", "flatten"), Map.of("type", "linear", "out", 10)));
        assertArrayEquals(new int[] {1, 10}, cnn.outputShape());
    }

    @Test
    void theArchitectureRoundTripsThroughJsonWithEveryField() {
        Architecture arch = Architecture.of(everyLayer(new SplittableRandom(1)), 48);
        String json = Json.write(arch.toMaps());
        Architecture back = Architecture.read(new int[] {48}, (List<?>) Json.parse(json, "test"));
        assertEquals(arch, back);
        assertEquals(json, Json.write(back.toMaps()));
        // Each layer's settings, not just its type, come back: a changed field is another architecture.
        for (LayerSpec l : arch.layers()) {
            for (Map.Entry<String, Object> f : l.fields().entrySet()) assertTrue(json.contains("\"" + f.getKey() + "\""), f.getKey());
        }
        List<Object> edited = new java.util.ArrayList<>((List<?>) Json.parse(json, "test"));
        @SuppressWarnings("unchecked")
        Map<String, Object> conv = new LinkedHashMap<>((Map<String, Object>) edited.get(2));
        conv.put("padding", List.of(1L, 1L));
        edited.set(2, conv);
        assertFalse(arch.equals(Architecture.read(new int[] {48}, edited)));
    }

    @Test
    void aSavedNetworkOfEveryLayerLoadsAndPredictsTheSame() {
        Sequential net = everyLayer(new SplittableRandom(2));
        // Train mode for a step so that the batch-norm statistics are not the initial ones.
        try (var mode = net.trainScope(); var g = NoGrad.enter()) {
            net.call(Tensor.randn(new SplittableRandom(3), io.backprop4j.tensor.DType.FLOAT32, 5, 48));
        }
        ModelSpec spec = spec(Architecture.of(net, 48));
        Path file = dir.resolve("every.safetensors");
        ModelFile.save(file, net, spec);
        ModelFile back = ModelFile.load(file);
        assertEquals(spec, back.spec());
        assertFalse(back.spec().isMlp());
        assertEquals(net.stateDict().keySet(), back.model().stateDict().keySet());
        Tensor x = Tensor.randn(new SplittableRandom(4), io.backprop4j.tensor.DType.FLOAT32, 7, 48);
        Tensor expected = ModelFile.of(spec, net).predictRaw(x);
        assertArrayEquals(expected.toFloatArray(), back.predictRaw(x).toFloatArray());
        String meta = Safetensors.read(file).metadata().get(ModelFile.SPEC_KEY);
        assertTrue(meta.startsWith("{\"type\":\"sequential\",\"version\":1,\"inputs\":48,\"layers\":[{\"type\":\"unflatten\""), meta);
    }

    @Test
    void mlpSpecsAreStillWrittenAsMlp() {
        ModelSpec mlp = new ModelSpec(4, new int[] {5}, 3, "relu", 0, false, Task.CLASSIFY, CLASSES, null, null, "x");
        assertTrue(mlp.isMlp());
        assertTrue(mlp.toJson().startsWith("{\"type\":\"mlp\",\"inputs\":4,\"hidden\":[5]"), mlp.toJson());
    }

    @Test
    void modelFilesOfEarlierVersionsStillLoad() throws Exception {
        // Written by 'backprop4j train' before the sequential type existed (the fuzz seeds).
        Path seeds = Path.of("src/test/resources/io/backprop4j/train/SavedFileFuzzTestInputs/model");
        for (String name : List.of("bn-dropout.safetensors", "plain-unstandardized.safetensors")) {
            ModelFile m = ModelFile.fromBytes(Files.readAllBytes(seeds.resolve(name)), name);
            assertTrue(m.spec().isMlp(), name);
            assertEquals(2, m.predictRaw(Tensor.zeros(2, m.spec().inputs())).size(0));
        }
    }

    private static byte[] withSpec(Sequential net, ModelSpec spec, String from, String to) {
        Map<String, String> meta = new LinkedHashMap<>(ModelFile.metadata(spec));
        String json = meta.get(ModelFile.SPEC_KEY);
        assertTrue(json.contains(from), json);
        meta.put(ModelFile.SPEC_KEY, json.replace(from, to));
        return Safetensors.toBytes(ModelTensors.named(net), meta);
    }

    static Sequential small(SplittableRandom rng) {
        return new Sequential(new Unflatten(1, 3, 4, 4), new Conv2d(3, 2, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(8, 3, rng));
    }

    @Test
    void aNewerArchitectureVersionIsRefusedNamingIt() {
        Sequential net = small(new SplittableRandom(5));
        ModelSpec spec = spec(Architecture.of(net, 48));
        var e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(withSpec(net, spec, "\"version\":1", "\"version\":2"), "v2.safetensors"));
        assertTrue(e.getMessage().contains("version 2 is newer than the one this version of backprop4j reads (1)"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void layersThatDoNotFitTheirInputAreRefusedNamingTheLayerAndBothShapes() {
        Sequential net = small(new SplittableRandom(6));
        ModelSpec spec = spec(Architecture.of(net, 48));
        var e = assertThrows(FormatException.class, () -> ModelFile.fromBytes(
                withSpec(net, spec, "{\"type\":\"linear\",\"in\":8", "{\"type\":\"linear\",\"in\":9"), "bad.safetensors"));
        assertTrue(e.getMessage().contains("layers[5] (linear): in 9 does not fit its input [N, 8] (8 features), the output of layers[4] (flatten)"),
                e.getMessage());
        var unknown = assertThrows(FormatException.class, () -> ModelFile.fromBytes(
                withSpec(net, spec, "\"type\":\"relu\"", "\"type\":\"swish\""), "bad.safetensors"));
        assertTrue(unknown.getMessage().contains("layers[2]: unknown type 'swish'; expected one of linear, conv2d"), unknown.getMessage());
        var field = assertThrows(FormatException.class, () -> ModelFile.fromBytes(
                withSpec(net, spec, "\"groups\":1", "\"groups\":1,\"group\":1"), "bad.safetensors"));
        assertTrue(field.getMessage().contains("layers[1] (conv2d): unknown field 'group'"), field.getMessage());
    }

    @Test
    void aClaimOfHugeLayersIsRefusedBeforeAnythingIsAllocated() {
        Sequential net = small(new SplittableRandom(7));
        ModelSpec spec = spec(Architecture.of(net, 48));
        byte[] bytes = withSpec(net, spec, "\"out_channels\":2", "\"out_channels\":2000000000");
        assertThrows(BackpropException.class, () -> ModelFile.fromBytes(bytes, "huge.safetensors"));
        byte[] resealed = TestFiles.reseal(bytes);
        assertThrows(BackpropException.class, () -> ModelFile.fromBytes(resealed, "huge.safetensors"));
    }

    @Test
    void inputSizesAndDefaultsAreInferredWhenLeftOut() {
        List<Object> layers = List.of(
                Map.of("type", "unflatten", "sizes", List.of(1L, 8L, 8L)),
                Map.of("type", "conv2d", "out_channels", 4L, "kernel", 3L),
                Map.of("type", "batch_norm2d"),
                Map.of("type", "max_pool2d", "kernel", 2L),
                Map.of("type", "flatten"),
                Map.of("type", "linear", "out", 10L));
        Architecture a = Architecture.read(new int[] {64}, layers);
        assertEquals(new LayerSpec.Conv2d(1, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true), a.layers().get(1));
        assertEquals(new LayerSpec.BatchNorm2d(4, 1e-5, 0.1), a.layers().get(2));
        assertEquals(new LayerSpec.MaxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, false), a.layers().get(3));
        assertEquals(new LayerSpec.Linear(36, 10, true), a.layers().get(5));
        assertArrayEquals(new int[] {1, 10}, a.outputShape());
        assertEquals(36L * 10 + 10 + 4 * 9 + 4 + 4 * 4, a.tensorElements());
        assertEquals(a.tensorElements(), a.build(new SplittableRandom(0)).stateDict().values().stream().mapToLong(Tensor::numel).sum());
    }

    @Test
    void aKernelLargerThanThePaddedInputIsRefused() {
        var e = assertThrows(Architecture.LayerException.class, () -> Architecture.read(new int[] {64}, List.of(
                Map.of("type", "unflatten", "sizes", List.of(1L, 8L, 8L)), Map.of("type", "conv2d", "out_channels", 4L, "kernel", 9L))));
        assertEquals(1, e.layer());
        assertTrue(e.getMessage().contains("layers[1] (conv2d): the kernel spans 9 along the height, more than the padded input's 8 (input [N, 1, 8, 8])"),
                e.getMessage());
        var channels = assertThrows(Architecture.LayerException.class, () -> Architecture.read(new int[] {64}, List.of(
                Map.of("type", "unflatten", "sizes", List.of(1L, 8L, 8L)), Map.of("type", "conv2d", "in_channels", 3L, "out_channels", 4L, "kernel", 3L))));
        assertTrue(channels.getMessage().contains("in_channels 3 does not fit its input [N, 1, 8, 8] (1 channels)"), channels.getMessage());
    }
}
