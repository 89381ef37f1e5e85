package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6, the audit: every command given unusable input (missing files, directories, empty
 * files, binary garbage, truncated gzip, malformed CSV and YAML, out-of-range options, unwritable
 * outputs) answers with exit status 2 and one or two lines on stderr starting "backprop4j: " that
 * name the file or option, with no stack trace; a failed check is status 1.
 */
class BadInputAuditTest {
    @TempDir
    static Path dir;

    static Path model;      // a classifier of the 4 iris features, 3 classes
    static Path spec;       // the seed exercise spec
    static Path answers;    // hand-worked answers of it, with mistakes
    static Path folder;
    static Path empty;
    static Path garbage;
    static Path truncatedGz;

    @BeforeAll
    static void fixtures() throws Exception {
        model = dir.resolve("iris.model");
        CliRun r = CliRun.of("train", "--data", "iris", "--epochs", "1", "--save", model.toString());
        assertEquals(0, r.status(), r.err());
        spec = dir.resolve("spec.yaml");
        Files.writeString(spec, BadInputTest.GOOD);
        answers = dir.resolve("answers.yaml");
        Files.writeString(answers, "loss: 9.99\nlayers:\n  - net: [-0.5, 1.5, 3.3]\n"); // the loss is wrong
        folder = Files.createDirectory(dir.resolve("folder"));
        empty = Files.writeString(dir.resolve("empty.txt"), "");
        byte[] junk = new byte[3000];
        new SplittableRandom(3).nextBytes(junk);
        junk[0] = (byte) 0xC3; // not UTF-8 from the first byte, and not gzip
        garbage = Files.write(dir.resolve("garbage.bin"), junk);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (int i = 0; i < 200; i++) out.write((i + "," + (i * 2) + "," + (i % 2) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        byte[] whole = gz.toByteArray();
        truncatedGz = Files.write(dir.resolve("cut.csv.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
    }

    private static Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String s(Path p) {
        return p.toString();
    }

    /** Exit status 2, one or two lines each starting "backprop4j: " (or "Try"), the words, no trace. */
    static CliRun refused(CliRun r, String... words) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertClean(r);
        for (String w : words) assertTrue(r.err().contains(w), "'" + w + "' in: " + r.err());
        return r;
    }

    static void assertClean(CliRun r) {
        String err = r.err();
        assertTrue(r.noStackTrace(), err);
        assertFalse(err.contains("\tat "), err);
        assertFalse(err.contains("Exception"), err);
        long lines = err.lines().filter(l -> !l.isBlank()).count();
        assertTrue(lines >= 1 && lines <= 2, "one or two lines: " + err);
        assertTrue(err.startsWith("backprop4j: "), err);
    }

    // ------------------------------------------------------------------ no command

    @Test
    void noCommandWithAnUnknownArgumentOrOption() {
        refused(CliRun.of("frobnicate"), "frobnicate");
        refused(CliRun.of("--bogus"), "--bogus");
    }

    @Test
    void debugShowsTheStackTraceThatIsOtherwiseHidden() {
        CliRun r = CliRun.of("train", "--debug", "--epochs", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    // ------------------------------------------------------------------ explain and check

    @Test
    void explainMissingFileDirectoryEmptyAndBinary() {
        refused(CliRun.of("explain", s(dir.resolve("none.yaml"))), "none.yaml", "no such file");
        refused(CliRun.of("explain", s(folder)), "folder", "is a directory");
        refused(CliRun.of("explain", s(empty)), "empty.txt", "empty file", "expected a network spec");
        refused(CliRun.of("explain", s(garbage)), "garbage.bin", "UTF-8");
    }

    @Test
    void explainAModelFileInsteadOfASpec() {
        refused(CliRun.of("explain", s(model)), "iris.model", "expected a YAML file");
    }

    @Test
    void explainYamlOfTheWrongType() throws Exception {
        refused(CliRun.of("explain", s(file("list.yaml", "- 1\n- 2\n"))), "list.yaml", "line 1", "found a list", "expected a network spec");
        refused(CliRun.of("explain", s(file("str.yaml", "input: [1, 2]\ntarget: [1]\nlayers:\n  - weights: hello\n"
                + "    activation: relu\nloss: mse\n"))), "str.yaml", "line 4", "layers[0].weights", "'hello'", "expected a matrix");
        refused(CliRun.of("explain", s(file("nulllayers.yaml", "input: [1, 2]\ntarget: [1]\nlayers: null\nloss: mse\n"))),
                "nulllayers.yaml", "line 3", "layers");
        refused(CliRun.of("explain", s(file("scalar.yaml", "just a string\n"))), "scalar.yaml", "expected a network spec");
    }

    @Test
    void explainOutputIntoAMissingDirectoryOrADirectory() {
        refused(CliRun.of("explain", "--out", s(dir.resolve("no/such/dir/out.txt"))), "--out", "no such directory");
        refused(CliRun.of("explain", "--out", s(folder)), "--out", "folder", "is a directory");
        refused(CliRun.of("explain", "--out", s(empty.resolve("out.txt"))), "--out", "empty.txt", "not a directory");
    }

    @Test
    void explainUnknownFormat() {
        refused(CliRun.of("explain", "--format", "xml"), "--format", "xml", "text, markdown, json");
    }

    @Test
    void checkAFailedCheckIsStatusOne() {
        CliRun r = CliRun.of("check", s(spec), s(answers));
        assertEquals(1, r.status(), r.out() + r.err());
    }

    @Test
    void checkMissingDirectoryEmptyBinaryAnswers() {
        refused(CliRun.of("check", s(spec), s(dir.resolve("none.yaml"))), "none.yaml", "no such file");
        refused(CliRun.of("check", s(spec), s(folder)), "folder", "is a directory");
        refused(CliRun.of("check", s(spec), s(empty)), "empty.txt", "empty file", "expected answers");
        refused(CliRun.of("check", s(spec), s(garbage)), "garbage.bin", "UTF-8");
        refused(CliRun.of("check", s(spec)), "ANSWERS");
    }

    @Test
    void checkAnswersOfTheWrongType() throws Exception {
        refused(CliRun.of("check", s(spec), s(file("alist.yaml", "- 1\n"))), "alist.yaml", "line 1", "found a list", "expected answers");
        refused(CliRun.of("check", s(spec), s(file("aloss.yaml", "loss: abc\n"))), "aloss.yaml", "line 1", "loss", "'abc'", "expected a number");
        refused(CliRun.of("check", s(spec), s(file("alayers.yaml", "layers: hello\n"))), "alayers.yaml", "layers", "expected a list");
        refused(CliRun.of("check", s(spec), s(file("akey.yaml", "foo: 1\n"))), "akey.yaml", "unknown key 'foo'", "loss, layers");
        refused(CliRun.of("check", s(spec), s(file("ashape.yaml", "layers:\n  - net: [1, 2, 3, 4, 5]\n"))),
                "ashape.yaml", "line 2", "layers[0].net", "5 values", "3 values");
    }

    @Test
    void checkAnswersWithNothingToCheck() throws Exception {
        refused(CliRun.of("check", s(spec), s(file("nothing.yaml", "{}\n"))), "nothing.yaml", "no numbers to check", "loss");
        refused(CliRun.of("check", s(spec), s(file("nulllayer.yaml", "layers:\n  - null\n"))), "nulllayer.yaml", "no numbers to check");
    }

    @Test
    void checkBadTolerance() {
        refused(CliRun.of("check", "--tolerance", "NaN", s(spec), s(answers)), "--tolerance", "NaN");
        refused(CliRun.of("check", "--tolerance", "-1", s(spec), s(answers)), "--tolerance", "-1");
        refused(CliRun.of("check", "--tolerance", "1e400", s(spec), s(answers)), "--tolerance", "Infinity");
    }

    @Test
    void checkOutputIntoADirectory() {
        refused(CliRun.of("check", "--out", s(folder), s(spec), s(answers)), "--out", "is a directory");
    }

    // ------------------------------------------------------------------ train: data

    @Test
    void trainUnknownDataSetOrMissingFile() {
        refused(CliRun.of("train", "--data", "mnist-digits-xl"), "unknown data set 'mnist-digits-xl'", "iris", "CSV");
    }

    @Test
    void trainDataIsADirectory() {
        refused(CliRun.of("train", "--data", s(folder)), "folder", "is a directory", "CSV");
    }

    @Test
    void trainEmptyBinaryAndTruncatedGzipData() {
        refused(CliRun.of("train", "--data", s(empty)), "empty.txt", "empty file");
        refused(CliRun.of("train", "--data", s(garbage)), "garbage.bin", "line 1", "UTF-8");
        refused(CliRun.of("train", "--data", s(truncatedGz)), "cut.csv.gz", "truncated gzip");
    }

    @Test
    void trainCsvRaggedNonNumbersHeaderOnlyOneColumn() throws Exception {
        refused(CliRun.of("train", "--data", s(file("ragged.csv", "1,2,0\n3,4\n5,6,1\n"))), "ragged.csv", "line 2", "2 fields", "3");
        refused(CliRun.of("train", "--data", s(file("nan.csv", "1,2,0\n3,x,1\n"))), "nan.csv", "line 2", "column 3",
                "expected a number", "'x'");
        refused(CliRun.of("train", "--data", s(file("head.csv", "a,b,label\n"))), "head.csv", "no data rows after the first line");
        refused(CliRun.of("train", "--data", s(file("one.csv", "1\n2\n3\n"))), "one.csv", "only one column", "label");
    }

    @Test
    void trainOnAModelOrSpecFile() {
        refused(CliRun.of("train", "--data", s(model)), "iris.model");
        refused(CliRun.of("train", "--data", s(spec)), "spec.yaml", "line");
    }

    @Test
    void trainMissingFashionMnist() {
        refused(CliRun.of("train", "--data", "fashion-mnist", "--data-dir", s(dir.resolve("nowhere"))), "Fashion-MNIST not found", "--data-dir");
    }

    // ------------------------------------------------------------------ train: options

    @Test
    void trainZeroNegativeNaNOptions() {
        refused(CliRun.of("train", "--epochs", "0"), "--epochs 0", "at least 1");
        refused(CliRun.of("train", "--batch", "-1"), "--batch -1", "at least 1");
        refused(CliRun.of("train", "--lr", "NaN"), "--lr NaN", "positive");
        refused(CliRun.of("train", "--lr", "Infinity"), "--lr", "positive");
        refused(CliRun.of("train", "--dropout", "1.5"), "--dropout 1.5", "[0, 1)");
        refused(CliRun.of("train", "--dropout", "NaN"), "--dropout NaN");
        refused(CliRun.of("train", "--patience", "-1"), "--patience -1");
        refused(CliRun.of("train", "--grad-clip", "0"), "--grad-clip 0", "positive");
        refused(CliRun.of("train", "--grad-clip", "-0.5"), "--grad-clip -0.5", "positive");
        refused(CliRun.of("train", "--grad-clip", "NaN"), "--grad-clip NaN", "positive");
        refused(CliRun.of("train", "--grad-clip", "Infinity"), "--grad-clip Infinity", "positive");
        refused(CliRun.of("train", "--grad-clip", "1e"), "--grad-clip", "1e");
        refused(CliRun.of("train", "--val-split", "1"), "--val-split");
        refused(CliRun.of("train", "--epochs", "99999999999"), "--epochs", "99999999999");
        refused(CliRun.of("train", "--seed", "abc"), "--seed", "abc");
    }

    @Test
    void trainLayersZeroOrHuge() {
        refused(CliRun.of("train", "--layers", "0"), "--layers '0'", "positive whole numbers");
        refused(CliRun.of("train", "--layers", "99999999"), "--layers 99999999", "2^31", "smaller layers");
        refused(CliRun.of("train", "--layers", "99999,99999,99999"), "--layers 99999,99999,99999", "2^31");
        // fits in an int array, not in any heap this runs with: refused before allocation
        refused(CliRun.of("train", "--layers", "45000,45000"), "--layers 45000,45000", "parameters", "heap", "-Xmx");
    }

    @Test
    void trainResumeWithoutACheckpointDir() {
        refused(CliRun.of("train", "--resume"), "--resume needs --checkpoint-dir");
    }

    @Test
    void trainCheckpointDirIsAFile() {
        refused(CliRun.of("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", s(empty)), "--checkpoint-dir", "empty.txt",
                "expected a directory");
    }

    @Test
    void trainResumeFromACorruptCheckpointOrAModel() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("ck-corrupt"));
        Files.copy(garbage, ck.resolve("checkpoint.safetensors"));
        refused(CliRun.of("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", s(ck), "--resume"),
                "checkpoint.safetensors", "not a safetensors file");
        Path ck2 = Files.createDirectories(dir.resolve("ck-model"));
        Files.copy(model, ck2.resolve("checkpoint.safetensors"));
        refused(CliRun.of("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", s(ck2), "--resume"),
                "checkpoint.safetensors", "not a backprop4j checkpoint");
    }

    @Test
    void trainOutputsThatCannotBeWrittenAreRefusedBeforeTraining() {
        CliRun r = refused(CliRun.of("train", "--data", "iris", "--epochs", "1", "--save", s(folder)), "--save", "folder", "is a directory");
        assertFalse(r.out().contains("epoch"), "refused before training: " + r.out());
        refused(CliRun.of("train", "--data", "iris", "--epochs", "1", "--save", s(empty.resolve("m.model"))), "--save", "empty.txt",
                "not a directory");
        refused(CliRun.of("train", "--data", "iris", "--epochs", "1", "--plot", s(empty.resolve("p.png"))), "--plot", "empty.txt",
                "not a directory");
        refused(CliRun.of("train", "--plot", s(dir.resolve("p.jpg"))), "--plot", "PNG");
    }

    @Test
    void trainPlotIntoAMissingDirectoryCreatesIt() {
        Path png = dir.resolve("new/plots/curves.png");
        CliRun r = CliRun.of("train", "--data", "iris", "--epochs", "1", "--plot", s(png));
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isRegularFile(png));
    }

    // ------------------------------------------------------------------ evaluate

    @Test
    void evaluateModelMissingDirectoryEmptyGarbageSpec() {
        refused(CliRun.of("evaluate", "--model", s(dir.resolve("none.model"))), "none.model", "no such");
        refused(CliRun.of("evaluate", "--model", s(folder)), "folder", "is a directory");
        refused(CliRun.of("evaluate", "--model", s(empty)), "empty.txt", "too short");
        refused(CliRun.of("evaluate", "--model", s(garbage)), "garbage.bin", "not a safetensors file");
        refused(CliRun.of("evaluate", "--model", s(spec)), "spec.yaml", "not a safetensors file", "text");
        refused(CliRun.of("evaluate", "--model", s(truncatedGz)), "cut.csv.gz", "gzip");
    }

    @Test
    void evaluateDataThatDoesNotFitTheModel() throws Exception {
        refused(CliRun.of("evaluate", "--model", s(model), "--data", s(file("two.csv", "1,2,0\n3,4,1\n"))), "two.csv",
                "2 features", "takes 4");
        refused(CliRun.of("evaluate", "--model", s(model), "--data", s(file("nolabel.csv", "5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n"))),
                "nolabel.csv", "label", "predict");
        refused(CliRun.of("evaluate", "--model", s(model), "--data", "digits"), "digits");
        refused(CliRun.of("evaluate", "--model", s(model), "--data", s(folder)), "folder", "is a directory");
        refused(CliRun.of("evaluate", "--model", s(model), "--data", s(empty)), "empty.txt", "empty file");
    }

    @Test
    void evaluateBadSplitAndPlot() {
        refused(CliRun.of("evaluate", "--model", s(model), "--split", "dev"), "--split 'dev'", "test, validation, train, all");
        refused(CliRun.of("evaluate", "--model", s(model), "--split", "all"), "--split all", "CSV");
        refused(CliRun.of("evaluate", "--model", s(model), "--plot", s(dir.resolve("c.txt"))), "--plot", "PNG");
        refused(CliRun.of("evaluate", "--model", s(model), "--plot", s(empty.resolve("c.png"))), "--plot", "not a directory");
    }

    // ------------------------------------------------------------------ predict

    @Test
    void predictWorksOnGoodInput() throws Exception {
        CliRun r = CliRun.of("predict", "--model", s(model), "--input", s(file("ok.csv", "5.1,3.5,1.4,0.2\n")));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("row,predicted"), r.out());
    }

    @Test
    void predictInputMissingDirectoryEmptyGarbageGzip() {
        refused(CliRun.of("predict", "--model", s(model), "--input", s(dir.resolve("none.csv"))), "none.csv", "no such file");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(folder)), "folder", "is a directory");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(empty)), "empty.txt", "empty file");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(garbage)), "garbage.bin", "UTF-8");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(truncatedGz)), "cut.csv.gz", "truncated gzip");
    }

    @Test
    void predictCsvWithTheWrongNumberOfFeatures() throws Exception {
        refused(CliRun.of("predict", "--model", s(model), "--input", s(file("three.csv", "1,2,3\n4,5,6\n"))), "three.csv",
                "3 columns", "4 features");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(file("six.csv", "1,2,3,4,5,6\n"))), "six.csv", "6 columns");
    }

    @Test
    void predictCsvRaggedNonNumbersHeaderOnly() throws Exception {
        refused(CliRun.of("predict", "--model", s(model), "--input", s(file("pragged.csv", "1,2,3,4\n5,6\n"))), "pragged.csv", "line 2");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(file("pnan.csv", "1,2,3,4\n5,abc,7,8\n"))), "pnan.csv",
                "line 2", "column 3", "'abc'");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(file("phead.csv", "a,b,c,d\n"))), "phead.csv", "no data rows",
                "first line");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(file("pone.csv", "5.1,abc,1.4,0.2\n"))), "pone.csv",
                "taken as a header", "'abc' is not a number");
    }

    @Test
    void predictModelIsASpecGarbageOrACheckpoint() throws Exception {
        Path in = file("in.csv", "5.1,3.5,1.4,0.2\n");
        refused(CliRun.of("predict", "--model", s(spec), "--input", s(in)), "spec.yaml", "not a safetensors file", "text");
        refused(CliRun.of("predict", "--model", s(garbage), "--input", s(in)), "garbage.bin", "not a safetensors file");
        refused(CliRun.of("predict", "--model", s(folder), "--input", s(in)), "folder", "is a directory");
        Path ck = dir.resolve("ck-predict");
        assertEquals(0, CliRun.of("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", s(ck)).status());
        refused(CliRun.of("predict", "--model", s(ck.resolve("checkpoint.safetensors")), "--input", s(in)), "checkpoint",
                "train --resume");
    }

    @Test
    void predictOutputsThatCannotBeWritten() throws Exception {
        Path in = file("in2.csv", "5.1,3.5,1.4,0.2\n");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(in), "--output", s(folder)), "--output", "is a directory");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(in), "--output", s(empty.resolve("o.csv"))), "--output",
                "empty.txt", "not a directory");
        refused(CliRun.of("predict", "--model", s(model), "--input", s(in), "--format", "xml"), "--format 'xml'", "csv, json");
        refused(CliRun.of("predict", "--model", s(model)), "--input");
    }

    // ------------------------------------------------------------------ bench

    @Test
    void benchBadOptions() {
        refused(CliRun.of("bench", "--threads", "0", "gemm"), "--threads", "0");
        refused(CliRun.of("bench", "--epochs", "0", "fmnist-mlp"), "--epochs", "0");
        refused(CliRun.of("bench", "--runs", "0", "compare"), "--runs", "0");
        refused(CliRun.of("bench", "--sizes", "0", "gemm"), "--sizes", "0", "GEMM size");
        refused(CliRun.of("bench", "--sizes", "-5", "gemm"), "--sizes", "-5");
        refused(CliRun.of("bench", "--sizes", "99999", "gemm"), "--sizes", "99999", "heap");
        refused(CliRun.of("bench", "--sizes", "abc", "gemm"), "--sizes", "abc");
    }

    @Test
    void benchUnknownWorkloadOrMissingTools() {
        refused(CliRun.of("bench", "--sizes", "8", "frob"), "unknown workload 'frob'", "gemm");
        refused(CliRun.of("bench", "compare", "frob"), "unknown workload 'frob'");
        refused(CliRun.of("bench", "--reference", s(folder), "compare"), "--reference", "is a directory");
        refused(CliRun.of("bench", "--reference", s(dir.resolve("none.py")), "compare"), "--reference", "no such file");
        refused(CliRun.of("bench", "--python", s(dir.resolve("no/python")), "--reference", s(spec), "compare"), "--python", "no such program");
        refused(CliRun.of("bench", "--data-dir", s(dir.resolve("nowhere")), "fmnist-mlp"), "Fashion-MNIST not found");
    }
}
