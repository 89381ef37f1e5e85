package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.data.Datasets;
import io.backprop4j.data.Dataset;
import io.backprop4j.io.Json;
import io.backprop4j.train.Checkpoint;
import io.backprop4j.train.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
