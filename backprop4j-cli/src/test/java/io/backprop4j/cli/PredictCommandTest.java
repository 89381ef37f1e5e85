package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.data.Dataset;
import io.backprop4j.data.Datasets;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * predict's three formats (issue 13 item 5, issue 15): raw is one line per input row holding the
 * model's outputs (softmax included for a classifier), and CSV, JSON and raw print each number
 * the same way, the shortest text that reads back as the model's float32 value.
 */
class PredictCommandTest {
    @TempDir
    static Path dir;

    static Path classifier;
    static Path regressor;
    static Path digitsRows;
    static Tensor digitsFeatures;
    static Path lineRows;
    static Tensor lineFeatures;

    static final int ROWS = 12;

    @BeforeAll
    static void trainModels() throws Exception {
        classifier = dir.resolve("digits.safetensors");
        assertEquals(0, CliRun.of("train", "--layers", "16", "--epochs", "2", "--save", classifier.toString()).status());
        Dataset test = Datasets.load("digits").test();
        digitsFeatures = test.features().narrow(0, 0, ROWS);
        digitsRows = csv("digits-rows.csv", digitsFeatures, test.labels()); // with the label column, which predict drops

        Path line = dir.resolve("line.csv");
        StringBuilder sb = new StringBuilder("x1,x2,y\n");
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 100; i++) {
            double a = rng.nextDouble(-1, 1), b = rng.nextDouble(-1, 1);
            sb.append(a).append(',').append(b).append(',').append(2 * a - b).append('\n');
        }
        Files.writeString(line, sb);
        regressor = dir.resolve("line.safetensors");
        assertEquals(0, CliRun.of("train", "--data", line.toString(), "--task", "regress", "--epochs", "2", "--save",
                regressor.toString()).status());
        float[] f = new float[ROWS * 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) rng.nextDouble(-1, 1);
        lineFeatures = Tensor.of(f, ROWS, 2);
        lineRows = csv("line-rows.csv", lineFeatures, null);
    }

    private static Path csv(String name, Tensor features, int[] labels) throws Exception {
        float[] f = features.toFloatArray();
        int d = features.size(1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < features.size(0); i++) {
            for (int j = 0; j < d; j++) sb.append(j == 0 ? "" : ",").append(f[i * d + j]);
            if (labels != null) sb.append(',').append(labels[i]);
            sb.append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    private static List<String> lines(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.status(), r.err());
        return r.out().lines().toList();
    }

    @Test
    void rawIsTheClassProbabilitiesOneLinePerRowInFullPrecision() {
        float[] probs = ModelFile.load(classifier).predictProbabilities(digitsFeatures).toFloatArray();
        List<String> raw = lines("predict", "--model", classifier.toString(), "--input", digitsRows.toString(), "--format", "raw");
        assertEquals(ROWS, raw.size(), "no header: " + raw);
        for (int i = 0; i < ROWS; i++) {
            String[] cells = raw.get(i).split(",", -1);
            assertEquals(10, cells.length, raw.get(i));
            double sum = 0;
            for (int c = 0; c < 10; c++) {
                float v = Float.parseFloat(cells[c]);
                // every bit of the model's float32 value, in the shortest text that gives it back
                assertEquals(Float.floatToIntBits(probs[i * 10 + c]), Float.floatToIntBits(v), raw.get(i));
                assertEquals(Float.toString(v), cells[c]);
                sum += v;
            }
            assertEquals(1, sum, 1e-5, "softmax included: " + raw.get(i));
        }
    }

    @Test
    void rawIsARegressorsValues() {
        float[] values = ModelFile.load(regressor).predictRaw(lineFeatures).toFloatArray();
        List<String> raw = lines("predict", "--model", regressor.toString(), "--input", lineRows.toString(), "--format", "raw");
        assertEquals(ROWS, raw.size());
        for (int i = 0; i < ROWS; i++) assertEquals(Float.toString(values[i]), raw.get(i));
    }

    @Test
    @SuppressWarnings("unchecked")
    void csvJsonAndRawPrintTheSameNumbers() {
        String[] args = {"predict", "--model", classifier.toString(), "--input", digitsRows.toString(), "--format"};
        List<String> raw = lines(append(args, "raw"));
        List<String> csv = lines(append(args, "csv"));
        CliRun json = CliRun.of(append(args, "json"));
        assertEquals(ROWS + 1, csv.size());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) Json.parse(json.out(), "predict output");
        assertEquals(ROWS, rows.size());
        for (int i = 0; i < ROWS; i++) {
            String[] cells = csv.get(i + 1).split(",", -1);
            assertEquals(raw.get(i), String.join(",", Arrays.copyOfRange(cells, 2, cells.length)), "csv row " + (i + 1));
            Map<String, Object> p = (Map<String, Object>) rows.get(i).get("probabilities");
            String[] rawCells = raw.get(i).split(",");
            int c = 0;
            for (Object v : p.values()) {
                assertEquals(Float.parseFloat(rawCells[c]), ((Number) v).floatValue(), "json row " + (i + 1));
                c++;
            }
        }
        // the same text in the JSON file, not only the same value
        for (String cell : raw.get(0).split(",")) assertTrue(json.out().contains(": " + cell + "\n") || json.out().contains(": " + cell + ","), cell);
    }

    private static String[] append(String[] args, String last) {
        String[] out = Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }

    @Test
    void rawToAFileIsWrittenThere() throws Exception {
        Path out = dir.resolve("raw.txt");
        CliRun r = CliRun.of("predict", "--model", regressor.toString(), "--input", lineRows.toString(), "--format", "raw",
                "--output", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
        assertEquals(ROWS, Files.readAllLines(out).size());
    }

    /**
     * predict runs the network through an InferencePlan in chunks of rows: the same bits as the
     * model's forward on all the rows at once, for a few rows and for chunks (515 rows: 256 + 259,
     * a last chunk of up to 4 more rows joining the one before; 700: 256 + 256 + 188), for a
     * classifier and a regressor.
     */
    @Test
    void chunksThroughThePlanGiveTheForwardsBits() throws Exception {
        ModelFile digits = ModelFile.load(classifier), reg = ModelFile.load(regressor);
        var rng = new SplittableRandom(9);
        int checked = 0;
        for (int rows : new int[] {1, 3, ROWS, 515, 700}) {
            int[] pick = new int[rows];
            for (int i = 0; i < rows; i++) pick[i] = rng.nextInt(ROWS);
            Tensor x = digitsFeatures.indexSelect(0, pick);
            assertEquals(Arrays.toString(digits.predictProbabilities(x).toFloatArray()),
                    Arrays.toString(PredictCommand.outputs(digits, x).toFloatArray()), rows + " rows");
            Tensor lx = lineFeatures.indexSelect(0, pick);
            assertEquals(Arrays.toString(reg.predictRaw(lx).toFloatArray()), Arrays.toString(PredictCommand.outputs(reg, lx).toFloatArray()),
                    rows + " rows of the regressor");
            checked++;
        }
        assertEquals(5, checked);
        // and through the command, 515 rows
        int[] pick = new int[515];
        for (int i = 0; i < pick.length; i++) pick[i] = rng.nextInt(ROWS);
        Tensor x = digitsFeatures.indexSelect(0, pick);
        Path rows = csv("many-rows.csv", x, null);
        float[] probs = digits.predictProbabilities(x).toFloatArray();
        List<String> raw = lines("predict", "--model", classifier.toString(), "--input", rows.toString(), "--format", "raw");
        assertEquals(515, raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String[] cells = raw.get(i).split(",", -1);
            for (int c = 0; c < 10; c++) assertEquals(Float.floatToIntBits(probs[i * 10 + c]), Float.floatToIntBits(Float.parseFloat(cells[c])), raw.get(i));
        }
    }
}
