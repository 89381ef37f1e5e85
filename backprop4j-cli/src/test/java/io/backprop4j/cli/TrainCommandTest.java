package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.data.Datasets;
import io.backprop4j.data.Dataset;
import io.backprop4j.io.Safetensors;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Checkpoint;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, evaluate and predict through the real command line. */
class TrainCommandTest {
    @TempDir
    static Path dir;

    /** A small model trained once for the evaluate and predict tests. */
    static Path model;
    static CliRun trained;

    @BeforeAll
    static void trainSmallModel() {
        model = dir.resolve("small.safetensors");
        trained = CliRun.of("train", "--layers", "32", "--epochs", "4", "--save", model.toString(),
                "--plot", dir.resolve("curves.png").toString());
        assertEquals(0, trained.status(), trained.out() + trained.err());
    }

    static double lastNumber(String out, String label) {
        List<String> lines = out.strip().lines().toList();
        String last = lines.getLast();
        assertTrue(last.startsWith(label), "last line: " + last);
        return Double.parseDouble(last.substring(label.length()).strip());
    }

    @Test
    void withNoOptionsDigitsReachesTheBarInSeconds() {
        long start = System.nanoTime();
        CliRun r = CliRun.of("train");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("data: digits (train "), r.out());
        assertTrue(r.out().contains("epoch 20/20  loss "), r.out());
        double acc = lastNumber(r.out(), "test accuracy:");
        assertTrue(acc >= 0.95, "test accuracy " + acc);
        assertTrue(seconds < 60, seconds + " s");
    }

    @Test
    void progressGoesToEpochLinesWhenNotATerminal() {
        assertTrue(trained.out().contains("epoch 4/4  loss "), trained.out());
        assertTrue(!trained.out().contains("\r"), "no carriage returns off a terminal");
        assertTrue(trained.out().contains("val_acc "), trained.out());
        assertTrue(Files.isRegularFile(dir.resolve("curves.png")));
    }

    @Test
    void evaluateReportsTheSameTestAccuracyWithPerClassScoresAndAConfusionMatrix() throws Exception {
        double trainSays = lastNumber(trained.out(), "test accuracy:");
        Path png = dir.resolve("confusion.png");
        CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--plot", png.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        String acc = r.out().lines().filter(l -> l.startsWith("accuracy: ")).findFirst().orElseThrow();
        assertEquals(trainSays, Double.parseDouble(acc.substring(10)), 1e-9, r.out());
        assertTrue(r.out().contains("loss: "), r.out());
        assertTrue(r.out().matches("(?s).*class\\s+precision\\s+recall\\s+f1\\s+support.*"), r.out());
        assertTrue(r.out().contains("macro avg"), r.out());
        assertTrue(r.out().contains("confusion matrix (rows: true class, columns: predicted class)"), r.out());
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
    }

    @Test
    void predictGivesTheModelsClassesAndProbabilities() throws Exception {
        Dataset test = Datasets.load("digits").test();
        Path csv = dir.resolve("rows.csv");
        StringBuilder sb = new StringBuilder();
        float[] f = test.features().toFloatArray();
        int d = test.numFeatures();
        int rows = 25;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < d; j++) sb.append(j == 0 ? "" : ",").append(f[i * d + j]);
            sb.append('\n');
        }
        Files.writeString(csv, sb);
        ModelFile m = ModelFile.load(model);
        int[] expected = m.predictClasses(test.features().narrow(0, 0, rows));

        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", csv.toString());
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals("row,predicted,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", lines.getFirst());
        assertEquals(rows + 1, lines.size());
        for (int i = 0; i < rows; i++) {
            String[] cells = lines.get(i + 1).split(",");
            assertEquals(Integer.toString(i + 1), cells[0]);
            assertEquals(Integer.toString(expected[i]), cells[1]);
            double sum = 0;
            for (int k = 2; k < cells.length; k++) sum += Double.parseDouble(cells[k]);
            assertEquals(1, sum, 1e-4);
        }

        CliRun j = CliRun.of("predict", "--model", model.toString(), "--input", csv.toString(), "--format", "json");
        assertEquals(0, j.status(), j.err());
        List<?> parsed = (List<?>) Json.parse(j.out(), "predict output");
        assertEquals(rows, parsed.size());
        Map<?, ?> first = (Map<?, ?>) parsed.getFirst();
        assertEquals(Integer.toString(expected[0]), first.get("predicted"));
        assertEquals(10, ((Map<?, ?>) first.get("probabilities")).size());
    }

    @Test
    void regressionOnACsvFileEndsWithTestMse() throws Exception {
        Path csv = dir.resolve("line.csv");
        StringBuilder sb = new StringBuilder("x1,x2,y\n");
        var rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            double a = rng.nextDouble(-1, 1);
            double b = rng.nextDouble(-1, 1);
            sb.append(a).append(',').append(b).append(',').append(2 * a - b + 0.5).append('\n');
        }
        Files.writeString(csv, sb);
        Path saved = dir.resolve("line.safetensors");
        CliRun r = CliRun.of("train", "--data", csv.toString(), "--task", "regress", "--epochs", "40", "--lr", "0.01",
                "--save", saved.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        // The header names the file (issue 15: it said "data: csv").
        assertTrue(r.out().startsWith("data: " + csv + " (train 140, validation 30, test 30; 2 features)\n"), r.out());
        double mse = lastNumber(r.out(), "test mse:");
        assertTrue(mse < 0.05, "test mse " + mse);
        CliRun p = CliRun.of("predict", "--model", saved.toString(), "--input", csv.toString());
        assertEquals(0, p.status(), p.err());
        assertTrue(p.out().startsWith("row,predicted\n1,"), p.out());
        CliRun e = CliRun.of("evaluate", "--model", saved.toString());
        assertEquals(0, e.status(), e.err());
        assertTrue(e.out().contains("mse: "), e.out());
    }

    @Test
    void resumeWithMoreEpochsContinuesTheCheckpoint() {
        Path ck = dir.resolve("ck-more");
        CliRun a = CliRun.of("train", "--layers", "16", "--epochs", "2", "--checkpoint-dir", ck.toString());
        assertEquals(0, a.status(), a.err());
        assertTrue(Files.isRegularFile(Checkpoint.fileIn(ck)));
        CliRun b = CliRun.of("train", "--layers", "16", "--epochs", "3", "--checkpoint-dir", ck.toString(), "--resume");
        assertEquals(0, b.status(), b.err());
        assertTrue(b.out().contains("resuming after epoch 2 of 3"), b.out());
        assertTrue(!b.out().contains("epoch 1/3"), b.out());
        assertTrue(b.out().contains("epoch 3/3"), b.out());
        CliRun c = CliRun.of("train", "--layers", "16", "--lr", "0.01", "--epochs", "4", "--checkpoint-dir", ck.toString(), "--resume");
        assertEquals(2, c.status(), c.err());
        assertTrue(c.err().contains("cannot resume") && c.err().contains("lr"), c.err());
    }

    @Test
    void gradClipBoundsEachUpdateToTheNormTimesTheRate() {
        // One full-batch SGD step: the weights move by lr times the gradient, clipped to norm 0.05.
        Path clipped = dir.resolve("clipped.safetensors");
        CliRun r = CliRun.of("train", "--layers", "8", "--optimizer", "sgd", "--lr", "1", "--batch", "5000", "--epochs", "1",
                "--grad-clip=0.05", "--save", clipped.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("sgd lr 1, grad-clip 0.05, batch 5000"), r.out());
        assertEquals(0.05, distanceFromInitialWeights(clipped), 0.05 * 1e-3);

        Path free = dir.resolve("unclipped.safetensors");
        CliRun u = CliRun.of("train", "--layers", "8", "--optimizer", "sgd", "--lr", "1", "--batch", "5000", "--epochs", "1",
                "--save", free.toString());
        assertEquals(0, u.status(), u.out() + u.err());
        assertTrue(distanceFromInitialWeights(free) > 0.5, "without clipping the step is the gradient's own norm");
    }

    /** The L2 distance of a saved model's parameters from the initial ones of seed 0. */
    private static double distanceFromInitialWeights(Path file) {
        ModelFile m = ModelFile.load(file);
        var initial = m.spec().build(new EpochRandom(0)).namedParameters();
        double sum = 0;
        for (var e : m.model().namedParameters().entrySet()) {
            double[] a = e.getValue().toDoubleArray(), b = initial.get(e.getKey()).toDoubleArray();
            for (int i = 0; i < a.length; i++) sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }

    @Test
    void gradClipIsPartOfTheCheckpointsOptions() {
        Path ck = dir.resolve("ck-clip");
        assertEquals(0, CliRun.of("train", "--layers", "8", "--epochs", "1", "--grad-clip", "1", "--checkpoint-dir", ck.toString())
                .status());
        Map<?, ?> config = (Map<?, ?>) Json.parse(Checkpoint.load(Checkpoint.fileIn(ck)).metadata().get(TrainCommand.CONFIG_KEY), "config");
        assertEquals("1.0", config.get("grad-clip"));
        CliRun other = CliRun.of("train", "--layers", "8", "--epochs", "2", "--checkpoint-dir", ck.toString(), "--resume");
        assertEquals(2, other.status(), other.out() + other.err());
        assertTrue(other.err().contains("cannot resume") && other.err().contains("grad-clip 1.0, this run has none"), other.err());
        CliRun same = CliRun.of("train", "--layers", "8", "--epochs", "2", "--grad-clip", "1", "--checkpoint-dir", ck.toString(),
                "--resume");
        assertEquals(0, same.status(), same.out() + same.err());
        assertTrue(same.out().contains("resuming after epoch 1 of 2"), same.out());
    }

    @Test
    void earlyStoppingRestoresTheBestEpochForTheTestScoreAndTheSavedModel() {
        // Without a schedule the run is the same whatever the epoch count, so a run of exactly the best
        // epoch's length gives the weights that the early-stopped run must have restored.
        String[] common = {"train", "--layers", "32", "--batch-norm", "--lr", "0.05", "--seed", "3"};
        Path stopped = dir.resolve("stopped.safetensors");
        CliRun r = CliRun.of(concat(common, "--epochs", "100", "--patience", "3", "--save", stopped.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        Matcher m = Pattern.compile("trained (\\d+) epochs in [0-9.]+s; stopped early at epoch (\\d+);"
                + " restored the weights of epoch (\\d+) \\(best validation loss (\\d\\.\\d{4})\\)$", Pattern.MULTILINE).matcher(r.out());
        assertTrue(m.find(), r.out());
        int last = Integer.parseInt(m.group(2));
        int best = Integer.parseInt(m.group(3));
        assertEquals(last, Integer.parseInt(m.group(1)));
        assertEquals(best + 3, last);
        String bestEpochLine = r.out().lines().filter(x -> x.startsWith(String.format("epoch %3d/100 ", best)))
                .findFirst().orElseThrow();
        assertTrue(bestEpochLine.contains("val_loss " + m.group(4)), bestEpochLine + " vs " + m.group(4));

        Path atBest = dir.resolve("at-best.safetensors");
        CliRun b = CliRun.of(concat(common, "--epochs", Integer.toString(best), "--save", atBest.toString()));
        assertEquals(0, b.status(), b.out() + b.err());
        Path atLast = dir.resolve("at-last.safetensors");
        CliRun l = CliRun.of(concat(common, "--epochs", Integer.toString(last), "--save", atLast.toString()));
        assertEquals(0, l.status(), l.out() + l.err());

        assertTrue(sameTensors(stopped, atBest), "the saved model holds the best epoch's parameters and running statistics");
        assertTrue(!sameTensors(stopped, atLast), "not the last epoch's");
        assertEquals(lastNumber(b.out(), "test accuracy:"), lastNumber(r.out(), "test accuracy:"));
        CliRun e = CliRun.of("evaluate", "--model", stopped.toString());
        String acc = e.out().lines().filter(x -> x.startsWith("accuracy: ")).findFirst().orElseThrow();
        assertEquals(lastNumber(r.out(), "test accuracy:"), Double.parseDouble(acc.substring(10)), 1e-9);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Whether two saved models hold the same tensors, bit for bit (running statistics included). */
    private static boolean sameTensors(Path a, Path b) {
        Map<String, Tensor> x = Safetensors.read(a).tensors();
        Map<String, Tensor> y = Safetensors.read(b).tensors();
        assertTrue(x.keySet().stream().anyMatch(k -> k.endsWith("running_var")), x.keySet().toString());
        assertEquals(x.keySet(), y.keySet());
        return x.keySet().stream().allMatch(k -> java.util.Arrays.equals(x.get(k).toFloatArray(), y.get(k).toFloatArray()));
    }

    @Test
    void progressBarDrawsInPlaceOnATerminal() {
        var text = new java.io.StringWriter();
        var bar = new ProgressBar(new java.io.PrintWriter(text), true);
        bar.onTrainBegin(1, 3, 2, 100);
        bar.onEpochBegin(1);
        bar.onBatchEnd(1, 1, 2, 50, 0.9);
        bar.onBatchEnd(1, 2, 2, 100, 0.8);
        bar.onEpochEnd(new io.backprop4j.train.EpochStats(1, 0.8, 0.7, Double.NaN, Double.NaN, 0.001, 1.25, 100),
                new io.backprop4j.train.History());
        String s = text.toString();
        assertTrue(s.startsWith("\repoch 1/3 ["), s);
        assertTrue(s.contains("100/100") && s.contains("samples/s") && s.contains("ETA ") && s.contains("loss 0.8000"), s);
        assertTrue(s.endsWith("epoch 1/3  loss 0.8000  acc 0.7000  lr 0.001  1.3s" + System.lineSeparator()), s);
        assertEquals("epoch  2/10 [============>           ]  50%  5/10  ETA 1m05s  12 samples/s  loss 0.5000",
                ProgressBar.line(2, 10, 0.5, 5, 10, 65, 12, 0.5));
    }
}
