package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.backprop4j.data.Dataset;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Standardizer;
import io.backprop4j.onnx.Onnx;
import io.backprop4j.train.ModelFile;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export}, and {@code predict} and {@code evaluate} of the ONNX files it writes: an MLP
 * with batch norm and a CNN trained on digits run in ONNX Runtime to what {@code predict --format
 * raw} prints, and the CLI reads the files back to the same predictions and accuracy.
 */
class OnnxCommandTest {
    @TempDir
    static Path dir;

    static Path mlp, cnn, mlpOnnx, cnnOnnx, rows;
    static float[][] features;   // the rows of rows.csv
    static final int ROWS = 20;

    @BeforeAll
    static void trainAndExport() throws Exception {
        mlp = dir.resolve("mlp.safetensors");
        cnn = dir.resolve("cnn.safetensors");
        CliRun a = CliRun.of("train", "--data", "digits", "--layers", "32", "--batch-norm", "--epochs", "2", "--save", mlp.toString());
        assertEquals(0, a.status(), a.out() + a.err());
        CliRun b = CliRun.of("train", "--model", "cnn", "--epochs", "1", "--save", cnn.toString());
        assertEquals(0, b.status(), b.out() + b.err());
        mlpOnnx = dir.resolve("mlp.onnx");
        cnnOnnx = dir.resolve("cnn.onnx");
        CliRun e = CliRun.of("export", "--model", mlp.toString(), "--out", mlpOnnx.toString());
        assertEquals(0, e.status(), e.err());
        assertTrue(e.out().contains("input \"input\" [batch, 64]: raw features, standardised in the graph"), e.out());
        assertTrue(e.out().contains("output \"output\" [batch, 10]: class probabilities of 0, 1, 2"), e.out());
        CliRun f = CliRun.of("export", "--model", cnn.toString(), "--out", cnnOnnx.toString());
        assertEquals(0, f.status(), f.err());
        assertTrue(f.out().contains("input \"input\" [batch, 1, 8, 8]"), f.out());

        // Raw pixels (0 to 16) of the first test images, as a CSV file of features alone.
        Dataset test = Datasets.load("digits").test();
        float[] x = test.features().toFloatArray();
        features = new float[ROWS][64];
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < 64; j++) {
                features[r][j] = x[r * 64 + j];
                csv.append(j == 0 ? "" : ",").append(features[r][j]);
            }
            csv.append('\n');
        }
        rows = dir.resolve("rows.csv");
        Files.writeString(rows, csv);
    }

    /** What {@code predict --format raw} prints, parsed. */
    static float[][] raw(Path model) {
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", rows.toString(), "--format", "raw");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(ROWS, lines.size(), r.out());
        float[][] v = new float[ROWS][];
        for (int i = 0; i < ROWS; i++) {
            String[] cells = lines.get(i).split(",");
            v[i] = new float[cells.length];
            for (int c = 0; c < cells.length; c++) v[i][c] = Float.parseFloat(cells[c]);
        }
        return v;
    }

    /** The exported file run in ONNX Runtime (one thread) on the raw features, shaped as the graph's input. */
    static float[][] runtime(Path model, long... sampleShape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] flat = new float[ROWS * 64];
        for (int r = 0; r < ROWS; r++) System.arraycopy(features[r], 0, flat, r * 64, 64);
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = ROWS;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        try (var options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (var session = env.createSession(model.toString(), options);
                 var input = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
                 var result = session.run(Map.of("input", input))) {
                return (float[][]) result.get(0).getValue();
            }
        }
    }

    static void assertClose(float[][] expected, float[][] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        int checked = 0;
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, actual[r].length, what + " row " + r);
            for (int c = 0; c < expected[r].length; c++) {
                assertEquals(expected[r][c], actual[r][c], tol, what + " row " + r + " output " + c);
                checked++;
            }
        }
        assertEquals(ROWS * 10, checked, what);
    }

    @Test
    void theExportedMlpRunsInOnnxRuntimeToWhatPredictPrints() throws Exception {
        float[][] predicted = raw(mlp);
        assertClose(predicted, runtime(mlpOnnx, 64), 1e-5, "mlp");
        // Not all the same, not all certain: the comparison is not of constant rows.
        assertFalse(Arrays.equals(predicted[0], predicted[1]));
    }

    @Test
    void theExportedCnnRunsInOnnxRuntimeToWhatPredictPrints() throws Exception {
        assertClose(raw(cnn), runtime(cnnOnnx, 1, 8, 8), 1e-5, "cnn");
    }

    @Test
    void onnxCheckerAcceptsTheExportedFiles() throws Exception {
        for (Path f : List.of(mlpOnnx, cnnOnnx)) {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                    "import sys\ntry:\n import onnx\nexcept ImportError:\n sys.exit(3)\n"
                            + "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", f.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            org.junit.jupiter.api.Assumptions.assumeTrue(status != 3, "python3-onnx is not installed");
            assertEquals(0, status, f + ": " + out);
        }
    }

    @Test
    void predictOnTheOnnxFileEqualsPredictOnTheSavedModel() {
        for (Path[] pair : new Path[][] {{mlp, mlpOnnx}, {cnn, cnnOnnx}}) {
            assertClose(raw(pair[0]), raw(pair[1]), 1e-6, pair[1].toString());
            CliRun a = CliRun.of("predict", "--model", pair[0].toString(), "--input", rows.toString());
            CliRun b = CliRun.of("predict", "--model", pair[1].toString(), "--input", rows.toString());
            assertEquals(0, b.status(), b.err());
            assertEquals("", b.err());   // the outputs are probabilities: no note
            List<String> la = a.out().lines().toList(), lb = b.out().lines().toList();
            assertEquals("row,predicted,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", lb.getFirst());
            assertEquals(la.size(), lb.size());
            for (int i = 0; i < la.size(); i++) {   // the row and the predicted class alike
                String[] ca = la.get(i).split(","), cb = lb.get(i).split(",");
                assertEquals(ca[0] + "," + ca[1], cb[0] + "," + cb[1], "line " + i);
            }
            CliRun json = CliRun.of("predict", "--model", pair[1].toString(), "--input", rows.toString(), "--format", "json");
            assertEquals(0, json.status(), json.err());
            assertTrue(json.out().contains("\"predicted\": \"" + la.get(1).split(",")[1] + "\""), json.out());
        }
    }

    /** The format is found from the bytes too: an ONNX file by another name is read as ONNX. */
    @Test
    void anOnnxFileByAnotherNameIsReadAsOnnx() throws Exception {
        Path other = dir.resolve("mlp.model");
        Files.copy(mlpOnnx, other);
        assertTrue(OnnxGraph.isOnnx(other));
        assertFalse(OnnxGraph.isOnnx(mlp));
        assertClose(raw(mlp), raw(other), 1e-6, "by its bytes");
    }

    static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(prefix + " in " + out));
    }

    @Test
    void evaluateOnTheOnnxFileGivesTheSameAccuracy() {
        for (Path[] pair : new Path[][] {{mlp, mlpOnnx}, {cnn, cnnOnnx}}) {
            CliRun a = CliRun.of("evaluate", "--model", pair[0].toString());
            CliRun b = CliRun.of("evaluate", "--model", pair[1].toString(), "--data", "digits");
            assertEquals(0, a.status(), a.err());
            assertEquals(0, b.status(), b.err());
            assertTrue(b.out().contains("assumed: outputs taken as class probabilities"), b.out());
            assertEquals(line(a.out(), "data: "), line(b.out(), "data: "));
            assertEquals(line(a.out(), "accuracy: "), line(b.out(), "accuracy: "));
            double la = Double.parseDouble(line(a.out(), "loss: ").substring(6)), lb = Double.parseDouble(line(b.out(), "loss: ").substring(6));
            assertEquals(la, lb, 2e-4, "the loss: cross-entropy of the logits, -log p of the probabilities");
            assertEquals(a.out().substring(a.out().indexOf("confusion matrix")), b.out().substring(b.out().indexOf("confusion matrix")));
        }
        CliRun noData = CliRun.of("evaluate", "--model", mlpOnnx.toString());
        assertEquals(2, noData.status());
        assertEquals("backprop4j: " + mlpOnnx + " is an ONNX model, which does not say what data it was trained on; pass --data\n",
                noData.err());
    }

    /** A graph that ends in logits (as PyTorch's usually do) is read as one: a note from predict, the right loss from evaluate. */
    @Test
    void aGraphOfLogitsIsReadAsOneAndSaysSo() {
        ModelFile m = ModelFile.load(mlp);
        Standardizer s = m.spec().standardizer();
        Path logits = dir.resolve("logits.onnx");
        Onnx.save(m.model(), new int[] {64}, doubles(s.mean()), doubles(s.std()), logits);   // no softmax
        CliRun a = CliRun.of("predict", "--model", mlp.toString(), "--input", rows.toString());
        CliRun b = CliRun.of("predict", "--model", logits.toString(), "--input", rows.toString());
        assertEquals(0, b.status(), b.err());
        assertTrue(b.err().startsWith("backprop4j: note: " + logits + " gives outputs that are not probabilities (row 1 "), b.err());
        List<String> la = a.out().lines().toList(), lb = b.out().lines().toList();
        for (int i = 1; i < la.size(); i++) assertEquals(la.get(i).split(",")[1], lb.get(i).split(",")[1], "predicted class, line " + i);
        CliRun ea = CliRun.of("evaluate", "--model", mlp.toString());
        CliRun eb = CliRun.of("evaluate", "--model", logits.toString(), "--data", "digits");
        assertEquals(0, eb.status(), eb.err());
        assertTrue(eb.out().contains("assumed: outputs taken as logits (they are not probabilities: row 1 "), eb.out());
        assertEquals(line(ea.out(), "accuracy: "), line(eb.out(), "accuracy: "));
        assertEquals(line(ea.out(), "loss: "), line(eb.out(), "loss: "));   // cross-entropy of the logits, both
    }

    @Test
    void aRegressionModelExportsToItsValues() throws Exception {
        var rng = new java.util.SplittableRandom(7);
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 120; i++) {
            double a = rng.nextDouble(0, 10), b = rng.nextDouble(-5, 5);
            csv.append(a).append(',').append(b).append(',').append(a + 2 * b).append('\n');
        }
        Path data = dir.resolve("line.csv"), model = dir.resolve("line.safetensors"), onnx = dir.resolve("line.onnx");
        Files.writeString(data, csv);
        CliRun t = CliRun.of("train", "--data", data.toString(), "--task", "regress", "--epochs", "2", "--save", model.toString());
        assertEquals(0, t.status(), t.out() + t.err());
        CliRun e = CliRun.of("export", "--model", model.toString(), "--out", onnx.toString());
        assertEquals(0, e.status(), e.err());
        assertTrue(e.out().contains("input \"input\" [batch, 2]: raw features, standardised in the graph; output \"output\" [batch, 1]: the predicted values"),
                e.out());
        Path x = dir.resolve("line-x.csv");
        Files.writeString(x, "1.5,2\n9,-4.25\n0,0\n");
        CliRun a = CliRun.of("predict", "--model", model.toString(), "--input", x.toString());
        CliRun b = CliRun.of("predict", "--model", onnx.toString(), "--input", x.toString());
        assertEquals(0, b.status(), b.err());
        assertEquals(a.out(), b.out());
        assertTrue(b.out().startsWith("row,predicted\n1,"), b.out());
        CliRun ea = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(), "--split", "all");
        CliRun eb = CliRun.of("evaluate", "--model", onnx.toString(), "--data", data.toString());
        assertEquals(0, eb.status(), eb.err());
        assertTrue(eb.out().contains("assumed: one output: a regression"), eb.out());
        assertEquals(line(ea.out(), "mse: "), line(eb.out(), "mse: "));
    }

    private static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** One line naming the file, exit status 2, no stack trace. */
    static void assertBad(CliRun r, String expected) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertTrue(r.noStackTrace(), r.err());
    }

    @Test
    void badInputIsOneLineNamingTheFile() throws Exception {
        Path out = dir.resolve("bad.onnx");
        assertBad(CliRun.of("export", "--model", dir.resolve("missing.safetensors").toString(), "--out", out.toString()),
                dir.resolve("missing.safetensors") + ": no such file");
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(Files.readAllBytes(mlp), 3000));
        assertBad(CliRun.of("export", "--model", truncated.toString(), "--out", out.toString()), truncated.toString());
        assertBad(CliRun.of("export", "--model", mlp.toString(), "--out", rows.resolve("x.onnx").toString()),
                "--out " + rows.resolve("x.onnx") + ": " + rows + " is a file, not a directory");
        assertBad(CliRun.of("export", "--model", mlp.toString(), "--out", dir.toString()), "--out " + dir + ": is a directory");
        assertBad(CliRun.of("export", "--model", mlpOnnx.toString(), "--out", out.toString()), mlpOnnx.toString());
        assertFalse(Files.exists(out));

        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(mlpOnnx), 3000));
        assertBad(CliRun.of("predict", "--model", cut.toString(), "--input", rows.toString()),
                cut + ", byte 21: not a valid ONNX file (corrupt or truncated)");
        assertBad(CliRun.of("evaluate", "--model", cut.toString(), "--data", "digits"), cut + ", byte ");
        // An operator backprop4j does not read: the ReLUs renamed Selu (same length, so the protobuf stays well formed).
        Path selu = dir.resolve("selu.onnx");
        Files.write(selu, new String(Files.readAllBytes(mlpOnnx), StandardCharsets.ISO_8859_1).replace("Relu", "Selu")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertBad(CliRun.of("predict", "--model", selu.toString(), "--input", rows.toString()), "operator Selu is not supported");
        assertBad(CliRun.of("evaluate", "--model", selu.toString(), "--data", "digits"), selu + ", node ");
        // Rows that do not fit the graph's input.
        Path narrow = dir.resolve("narrow.csv");
        Files.writeString(narrow, "1,2,3\n4,5,6\n");
        assertBad(CliRun.of("predict", "--model", cnnOnnx.toString(), "--input", narrow.toString()),
                narrow + ": rows have 3 columns; the model takes 64 features");
        assertBad(CliRun.of("evaluate", "--model", cnnOnnx.toString(), "--data", "iris"), "iris: 4 features; the model " + cnnOnnx + " takes 64");
    }
}
