package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.data.Datasets;
import io.backprop4j.nn.RandomShift2d;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --model cnn and --model FILE.yaml, and evaluate, predict and --resume on what they save. */
class CnnCommandTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void trainSmallCnn() {
        model = dir.resolve("cnn.safetensors");
        CliRun r = CliRun.of("train", "--model", "cnn", "--epochs", "2", "--save", model.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("model: [64] unflatten [1, 8, 8], random_shift2d 1, conv2d 1-16 3x3 pad 1, batch_norm2d, relu"), r.out());
        assertTrue(r.out().contains("adam lr 0.002 cosine, batch 32, 2 epochs"), r.out());
    }

    @Test
    void theSavedCnnEvaluatesAndPredictsInEveryFormat() throws Exception {
        ModelFile m = ModelFile.load(model);
        assertFalse(m.spec().isMlp());
        assertTrue(m.model().layers().get(1) instanceof RandomShift2d);
        CliRun e = CliRun.of("evaluate", "--model", model.toString());
        assertEquals(0, e.status(), e.err());
        assertTrue(e.out().contains("conv2d 1-16 3x3 pad 1"), e.out());
        double acc = Double.parseDouble(e.out().lines().filter(l -> l.startsWith("accuracy: ")).findFirst().orElseThrow().substring(10));
        assertTrue(acc > 0.8, "after 2 epochs: " + acc);

        // Rows of 64 pixels, row-major: the test split's first images, with their labels in a last column.
        var test = Datasets.load("digits").test();
        float[] f = test.features().toFloatArray();
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < 5; r++) {
            for (int j = 0; j < 64; j++) csv.append(f[r * 64 + j]).append(',');
            csv.append(test.labels()[r]).append('\n');
        }
        Path rows = dir.resolve("rows.csv");
        Files.writeString(rows, csv);
        Tensor x = test.features().narrow(0, 0, 5);
        int[] expected = m.predictClasses(x);
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--input", rows.toString());
        assertEquals(0, p.status(), p.err());
        List<String> lines = p.out().strip().lines().toList();
        assertEquals("row,predicted,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", lines.getFirst());
        for (int r = 0; r < 5; r++) assertTrue(lines.get(r + 1).startsWith((r + 1) + "," + expected[r] + ","), lines.get(r + 1));
        CliRun raw = CliRun.of("predict", "--model", model.toString(), "--input", rows.toString(), "--format", "raw");
        assertEquals(0, raw.status(), raw.err());
        float[] probs = m.predictProbabilities(x).toFloatArray();
        String[] first = raw.out().strip().lines().findFirst().orElseThrow().split(",");
        assertEquals(10, first.length);
        for (int k = 0; k < 10; k++) assertEquals(probs[k], Float.parseFloat(first[k]), 1e-6f);
        CliRun json = CliRun.of("predict", "--model", model.toString(), "--input", rows.toString(), "--format", "json");
        assertEquals(0, json.status(), json.err());
        assertTrue(json.out().contains("\"predicted\": \"" + expected[0] + "\""), json.out());
    }

    @Test
    void aResumedCnnEndsWithTheWeightsOfAnUninterruptedRun() throws Exception {
        // Dropout and the random shifts draw from (seed, epoch): a resume sees the same masks and images.
        Path ck = dir.resolve("ck-cnn");
        String[] common = {"train", "--model", "cnn", "--schedule", "none", "--checkpoint-dir", ck.toString()};
        assertEquals(0, CliRun.of(concat(common, "--epochs", "1")).status());
        Path resumed = dir.resolve("resumed.safetensors");
        CliRun b = CliRun.of(concat(common, "--epochs", "2", "--resume", "--save", resumed.toString()));
        assertEquals(0, b.status(), b.err());
        assertTrue(b.out().contains("resuming after epoch 1 of 2"), b.out());
        Path straight = dir.resolve("straight.safetensors");
        assertEquals(0, CliRun.of("train", "--model", "cnn", "--schedule", "none", "--epochs", "2", "--save", straight.toString()).status());
        var a = ModelFile.load(resumed).model().stateDict();
        var s = ModelFile.load(straight).model().stateDict();
        assertEquals(s.keySet(), a.keySet());
        for (String k : s.keySet()) assertArrayEquals(s.get(k).toFloatArray(), a.get(k).toFloatArray(), k);

        CliRun other = CliRun.of(concat(common, "--epochs", "3", "--resume", "--augment", "none"));
        assertEquals(2, other.status(), other.out() + other.err());
        assertTrue(other.err().contains("was written with --augment shift=1, this run has none"), other.err());
        Path yaml = dir.resolve("same-but-wider.yaml");
        Files.writeString(yaml, """
                layers:
                  - {type: conv2d, out_channels: 17, kernel: 3, padding: 1}
                  - {type: relu}
                  - {type: flatten}
                  - {type: linear}
                """);
        CliRun arch = CliRun.of("train", "--model", yaml.toString(), "--schedule", "none", "--epochs", "3", "--checkpoint-dir", ck.toString(), "--resume");
        assertEquals(2, arch.status());
        assertTrue(arch.err().contains("was written for another model architecture"), arch.err());
        assertEquals(1, arch.err().strip().lines().count(), arch.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aYamlListOfLayersTrainsWithItsSizesInferred() throws Exception {
        Path yaml = dir.resolve("net.yaml");
        Files.writeString(yaml, """
                # digits are 8x8 images: train puts an unflatten to [1, 8, 8] first
                layers:
                  - {type: conv2d, out_channels: 8, kernel: 3, padding: 1}
                  - {type: relu}
                  - {type: max_pool2d, kernel: 2}
                  - {type: flatten}
                  - {type: linear, out: 10}
                """);
        Path saved = dir.resolve("yaml.safetensors");
        CliRun r = CliRun.of("train", "--model", yaml.toString(), "--epochs", "2", "--augment", "none", "--save", saved.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("model: [64] unflatten [1, 8, 8], conv2d 1-8 3x3 pad 1, relu, max_pool2d 2, flatten, linear 128-10 (1,370 parameters)"),
                r.out());
        assertTrue(ModelFile.load(saved).model().stateDict().containsKey("1.weight"), "the file's first layer is the network's second");
    }

    static CliRun bad(String name, String yaml, String... more) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        String[] args = concat(new String[] {"train", "--model", file.toString(), "--epochs", "1"}, more);
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.noStackTrace(), r.err());
        assertTrue(r.err().startsWith("backprop4j: " + file), r.err());
        return r;
    }

    @Test
    void badYamlNetworksGetOneLineNamingTheFileLineLayerAndShapes() throws Exception {
        CliRun flatten = bad("flatten.yaml", """
                layers:
                  - {type: conv2d, out_channels: 16, kernel: 3, padding: 1}
                  - {type: relu}
                  - {type: max_pool2d, kernel: 2}
                  - {type: flatten}
                  - {type: linear, in: 1000, out: 10}
                """);
        assertTrue(flatten.err().contains(", line 6, column 5: layers[4] (linear): in 1000 does not fit its input [N, 256] (256 features),"
                + " the output of layers[3] (flatten)"), flatten.err());
        CliRun kernel = bad("kernel.yaml", "layers:\n  - {type: conv2d, out_channels: 4, kernel: 9}\n  - {type: flatten}\n  - {type: linear}\n");
        assertTrue(kernel.err().contains("line 2, column 5: layers[0] (conv2d): the kernel spans 9 along the height, more than the padded input's 8"
                + " (input [N, 1, 8, 8]), the output of the layer train puts first"), kernel.err());
        CliRun channels = bad("channels.yaml", "layers:\n  - {type: conv2d, in_channels: 3, out_channels: 4, kernel: 3}\n");
        assertTrue(channels.err().contains("layers[0] (conv2d): in_channels 3 does not fit its input [N, 1, 8, 8] (1 channels)"), channels.err());
        CliRun field = bad("field.yaml", "layers:\n  - {type: conv2d, out_chanels: 4, kernel: 3}\n");
        assertTrue(field.err().contains("line 2, column 33: layers[0] (conv2d): unknown field 'out_chanels'; conv2d has in_channels, out_channels"),
                field.err());
        CliRun twice = bad("twice.yaml", "layers:\n  - {type: conv2d, out_channels: 4, kernel: 3, kernel: 2}\n");
        assertTrue(twice.err().contains("duplicate key 'kernel'"), twice.err());
        CliRun outputs = bad("outputs.yaml", "layers:\n  - {type: linear, out: 12}\n");
        assertTrue(outputs.err().contains("outputs.yaml, line 2, column 25: the last layer gives [N, 12], but digits has 10 classes"), outputs.err());
        CliRun last = bad("last.yaml", "layers:\n  - {type: conv2d, out_channels: 4, kernel: 3}\n  - {type: flatten}\n");
        assertTrue(last.err().contains("last.yaml, line 3, column 5: the last layer gives [N, 144], but digits has 10 classes"), last.err());
        CliRun type = bad("type.yaml", "layers:\n  - {type: conv3d}\n");
        assertTrue(type.err().contains("line 2, column 12: layers[0]: unknown type 'conv3d'; expected one of linear, conv2d,"), type.err());
        CliRun key = bad("key.yaml", "layers: [{type: relu}]\nlr: 3\n");
        assertTrue(key.err().contains("line 2, column 1: unknown key 'lr'; expected layers"), key.err());
    }

    @Test
    void optionsThatDoNotFitTheModelAreRefused() {
        String[][] cases = {
            {"--model cnn --layers 12", "--layers is for --model mlp"},
            {"--model cnn --data iris", "--model cnn needs a data set of images (digits, fashion-mnist); iris is not one"},
            {"--model cnn --augment flip", "flips are for fashion-mnist only"},
            {"--augment shift=2", "--augment is for image networks"},
            {"--model cnn --augment shift=0", "invalid --augment 'shift=0': 'shift=0' needs a number of pixels from 1 to 64"},
            {"--model cnn --augment rotate", "'rotate' is not shift=N or flip"},
            {"--model rnn", "unknown --model 'rnn'; valid: mlp, cnn, or a FILE.yaml of layers"},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of(concat(new String[] {"train"}, c[0].split(" ")));
            assertEquals(2, r.status(), c[0] + ": " + r.out() + r.err());
            assertTrue(r.err().contains(c[1]), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
