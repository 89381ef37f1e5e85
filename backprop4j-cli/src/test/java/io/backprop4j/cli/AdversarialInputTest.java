package io.backprop4j.cli;

import static io.backprop4j.cli.BadInputAuditTest.assertClean;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.io.FileKind;
import io.backprop4j.train.Checkpoint;
import io.backprop4j.train.ModelFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: what an adversarial tester broke, each case as the tester ran it (the crafted files
 * are in src/test/resources/io/backprop4j/cli/issue18/, or made here when they are special files
 * or large). Every refusal is one line, exit status 2, no stack trace.
 */
class AdversarialInputTest {
    @TempDir
    static Path dir;

    static Path irisModel;

    @BeforeAll
    static void model() {
        irisModel = dir.resolve("iris.safetensors");
        CliRun r = CliRun.of("train", "--data", "iris", "--epochs", "1", "--save", irisModel.toString());
        assertEquals(0, r.status(), r.err());
    }

    /** Runs mkfifo or mknod; false when missing or not permitted. */
    static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static Path fifo(String name) {
        Path p = dir.resolve(name);
        assumeTrue(run("mkfifo", p.toString()), "mkfifo is not available");
        return p;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = AdversarialInputTest.class.getResourceAsStream("issue18/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path resourceFile(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = AdversarialInputTest.class.getResourceAsStream("issue18/" + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    /** Exit status 2, one line (or two), no trace, and the words; never hangs (a FIFO opened for writing would). */
    static CliRun refused(String[] args, String... words) {
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of(args));
        assertEquals(2, r.status(), r.out() + r.err());
        assertClean(r);
        for (String w : words) assertTrue(r.err().contains(w), "'" + w + "' in: " + r.err());
        return r;
    }

    static String[] args(String... a) {
        return a;
    }

    // ------------------------------------------------------------------ item 1: what a write may replace

    @Test
    void saveOntoAFifoIsRefusedBeforeTrainingAndTheFifoStays() {
        Path p = fifo("save.fifo");
        CliRun r = refused(args("train", "--data", "iris", "--epochs", "1", "--save", p.toString()),
                "--save " + p + ": is a FIFO (named pipe), not a regular file; refusing to replace it");
        assertFalse(r.out().contains("epoch 1"), "refused before training: " + r.out());
        assertEquals(FileKind.FIFO, FileKind.of(p));
    }

    @Test
    void otherOutputsOntoAFifoAreRefused() throws IOException {
        Path p = fifo("out.fifo");
        Path input = Files.writeString(dir.resolve("rows.csv"), "5.1,3.5,1.4,0.2\n");
        refused(args("predict", "--model", irisModel.toString(), "--input", input.toString(), "--output", p.toString()),
                "--output", "is a FIFO");
        refused(args("explain", "--out", p.toString()), "--out", "is a FIFO");
        Path spec = Files.writeString(dir.resolve("fifo-spec.yaml"), BadInputTest.GOOD);
        Path answers = Files.writeString(dir.resolve("fifo-answers.yaml"), "loss: 0.1\n");
        refused(args("check", "--out", p.toString(), spec.toString(), answers.toString()), "--out", "is a FIFO");
        refused(args("train", "--data", "iris", "--epochs", "1", "--plot", fifo("plot.png").toString()), "--plot", "is a FIFO");
        assertEquals(FileKind.FIFO, FileKind.of(p));
    }

    @Test
    void saveOntoADeviceNodeIsRefused() {
        // The tester's --save /dev/full, on a node made in the test's directory (needs root), never the system's own.
        Path node = dir.resolve("full");
        assumeTrue(run("mknod", node.toString(), "c", "1", "7"), "mknod needs root");
        refused(args("train", "--data", "iris", "--epochs", "1", "--save", node.toString()), "is a character device");
        assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(node));
        CliRun r = refused(args("explain", "--out", "/dev/stdout"), "/dev/stdout", "to write to standard output, leave out --out");
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void saveThroughASymbolicLinkWritesItsTarget() throws IOException {
        Path models = Files.createDirectories(dir.resolve("models"));
        Path target = models.resolve("real.safetensors");
        Path link = Files.createSymbolicLink(dir.resolve("link.safetensors"), Path.of("models/real.safetensors"));
        CliRun r = CliRun.of("train", "--data", "iris", "--epochs", "1", "--save", link.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("iris", ModelFile.load(target).spec().data());
        try (var files = Files.list(models)) {
            assertEquals(List.of(target), files.toList(), "no temporary file left");
        }
    }

    @Test
    void theCheckpointPathMustBeAFile() throws IOException {
        Path ck = Files.createDirectories(dir.resolve("ck-loop"));
        Files.createSymbolicLink(Checkpoint.fileIn(ck), Path.of(Checkpoint.FILE_NAME));
        refused(args("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", ck.toString(), "--resume"),
                "checkpoint.safetensors is a symbolic link loop");
        // item 11: a FIFO at the checkpoint path hung --resume
        Path ck2 = Files.createDirectories(dir.resolve("ck-fifo"));
        assumeTrue(run("mkfifo", Checkpoint.fileIn(ck2).toString()), "mkfifo is not available");
        refused(args("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", ck2.toString(), "--resume"),
                "checkpoint.safetensors is a FIFO (named pipe), not a regular file");
        refused(args("train", "--data", "iris", "--epochs", "1", "--checkpoint-dir", ck2.toString()), "is a FIFO");
    }

    // ------------------------------------------------------------------ item 2: --patience and --resume

    @Test
    void aSecondResumeOfARunThatStoppedEarlyGivesTheSameWeights() throws IOException {
        Path ck = dir.resolve("ck-patience");
        String[] run = {"train", "--layers", "32", "--epochs", "40", "--seed", "0", "--lr", "0.01", "--checkpoint-dir", ck.toString()};
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        CliRun first = CliRun.of(concat(run, "--patience", "1", "--save", a.toString()));
        assertEquals(0, first.status(), first.err());
        CliRun again = CliRun.of(concat(run, "--patience", "1", "--resume", "--save", b.toString()));
        assertEquals(0, again.status(), again.err());
        Pattern stop = Pattern.compile("stopped early at epoch (\\d+); restored the weights of epoch (\\d+)");
        Matcher m1 = stop.matcher(first.out());
        Matcher m2 = stop.matcher(again.out());
        assertTrue(m1.find() && m2.find(), first.out() + "\n---\n" + again.out());
        assertEquals(m1.group(), m2.group());
        assertFalse(again.out().contains("epoch " + (Integer.parseInt(m1.group(1)) + 1) + "/40"), "no epoch trained: " + again.out());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "the same model, bit for bit");

        refused(concat(run, "--patience", "2", "--resume"), "cannot resume", "--patience 1, this run has 2");
    }

    @Test
    void everyTrainOptionIsRecordedOrDeclaredNotToMatter() {
        Set<String> options = new HashSet<>();
        for (var o : Main.commandLine().getSubcommands().get("train").getCommandSpec().options()) options.add(o.longestName());
        Set<String> sorted = new HashSet<>(TrainCommand.RECORDED);
        sorted.addAll(TrainCommand.NOT_RECORDED);
        assertEquals(options, sorted, "TrainCommand.RECORDED and NOT_RECORDED together name every option, once");
        assertEquals(TrainCommand.RECORDED.size() + TrainCommand.NOT_RECORDED.size(), sorted.size());
        assertTrue(TrainCommand.RECORDED.contains("--patience"));
    }

    @Test
    void resumingOnChangedDataIsRefused() throws IOException {
        Path csv = dir.resolve("changing.csv");
        StringBuilder rows = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 60; i++) rows.append(i % 7).append(',').append(i % 5).append(',').append(i % 2).append('\n');
        Files.writeString(csv, rows);
        Path ck = dir.resolve("ck-data");
        CliRun r = CliRun.of("train", "--data", csv.toString(), "--epochs", "1", "--checkpoint-dir", ck.toString());
        assertEquals(0, r.status(), r.err());
        Files.writeString(csv, rows.toString().replace("\n3,", "\n4,"));
        refused(args("train", "--data", csv.toString(), "--epochs", "2", "--checkpoint-dir", ck.toString(), "--resume"),
                "cannot resume", "was trained on other data");
    }

    // ------------------------------------------------------------------ item 5: duplicate YAML keys

    @Test
    void aSpecWithARepeatedKeyIsRefusedNamingBothLines() throws IOException {
        Path spec = resourceFile("spec-two-learning-rates.yaml");
        refused(args("explain", spec.toString()),
                "spec-two-learning-rates.yaml, line 10, column 1: duplicate key 'learning_rate' (first at line 9)");
        Path nested = resourceFile("spec-two-activations.yaml");
        refused(args("explain", nested.toString()), "line 5, column 5: duplicate key 'activation' (first at line 4)");
    }

    @Test
    void answersWithARepeatedKeyAreRefused() throws IOException {
        Path spec = Files.writeString(dir.resolve("seed.yaml"), BadInputTest.GOOD);
        Path answers = resourceFile("answers-two-losses.yaml");
        refused(args("check", spec.toString(), answers.toString()), "answers-two-losses.yaml, line 1, column 18: duplicate key 'loss' (first at line 1)");
    }

    // ------------------------------------------------------------------ item 6: --out is atomic

    @Test
    void explainOutReplacesTheFileAtomically() throws IOException {
        Path out = Files.writeString(dir.resolve("solution.txt"), "an earlier good file\n");
        Object before = Files.getAttribute(out, "unix:ino");
        CliRun r = CliRun.of("explain", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.readString(out).contains("Forward pass"));
        // A new file renamed over the old one (a write in place would keep the inode and, on a full
        // disk, leave the old file truncated).
        assertNotEquals(before, Files.getAttribute(out, "unix:ino"));
        Path report = Files.writeString(dir.resolve("report.txt"), "old\n");
        Object reportBefore = Files.getAttribute(report, "unix:ino");
        Path spec = Files.writeString(dir.resolve("atomic-spec.yaml"), BadInputTest.GOOD);
        Path answers = Files.writeString(dir.resolve("atomic-answers.yaml"), "loss: 0.125269\n");
        CliRun c = CliRun.of("check", "--out", report.toString(), spec.toString(), answers.toString());
        assertEquals(0, c.status(), c.err());
        assertNotEquals(reportBefore, Files.getAttribute(report, "unix:ino"));
    }

    // ------------------------------------------------------------------ item 10: messages that misled

    @Test
    void invalidUtf8InASpecNamesItsLine() throws IOException {
        byte[] bytes = (BadInputTest.GOOD + "# caf\u00e9\n").getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 2] = (byte) 0xff; // the é's second byte
        Path spec = Files.write(dir.resolve("bad-utf8.yaml"), bytes);
        int line = BadInputTest.GOOD.split("\n", -1).length;
        refused(args("explain", spec.toString()), "bad-utf8.yaml, line " + line + ", column 6: invalid UTF-8");
    }

    @Test
    void predictIgnoresALabelColumnOfClassNames() throws IOException {
        Path input = resourceFile("iris-rows-with-names.csv");
        CliRun r = CliRun.of("predict", "--model", irisModel.toString(), "--input", input.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(4, r.out().lines().count(), r.out()); // header and three rows
        assertTrue(r.out().startsWith("row,predicted,p_"), r.out());
    }

    @Test
    void evaluateWithTheWrongFeatureCountSaysSo() throws IOException {
        Path csv = resourceFile("five-features.csv");
        refused(args("evaluate", "--model", irisModel.toString(), "--data", csv.toString()),
                "rows have 5 features (and a label in the last column); the model " + irisModel + " takes 4");
    }

    @Test
    void devNullAsDataIsNotCalledMissing() {
        assumeTrue(FileKind.of(Path.of("/dev/null")) == FileKind.CHARACTER_DEVICE, "no /dev/null");
        refused(args("train", "--data", "/dev/null"), "/dev/null: is a character device, not a regular file; expected a CSV file");
    }

    @Test
    void multiLineScalarsAreEchoedOnOneLine() throws IOException {
        Path spec = resourceFile("spec-multiline-loss.yaml");
        CliRun r = refused(args("explain", spec.toString()), "unknown loss 'binary\\ncross\\nentropy\\n' (a string)");
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void aNulByteInACsvFieldIsShownNotSent() throws IOException {
        Path csv = Files.write(dir.resolve("nul.csv"), "a,b,label\n1,2,0\n3,\u00004,1\n".getBytes(StandardCharsets.UTF_8));
        CliRun r = refused(args("train", "--data", csv.toString()), "nul.csv, line 3, column 3: expected a number, found '\\u00004'");
        assertFalse(r.err().contains("\u0000"));
    }

    // ------------------------------------------------------------------ item 11: resources

    @Test
    void aLongCommentLineIsRefusedAtOnce() throws IOException {
        Path spec = dir.resolve("comment.yaml");
        Files.writeString(spec, "#" + "x".repeat(8_000_000) + "\n" + BadInputTest.GOOD);
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliRun.of("explain", spec.toString()));
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("comment.yaml, line 1: is 8000001 characters long, more than the limit of 1048576"), r.err());
        Path huge = dir.resolve("huge.yaml");
        Files.writeString(huge, ("#" + "x".repeat(1000) + "\n").repeat(9000));
        refused(args("explain", huge.toString()), "more than the limit of 8388608 bytes");
    }

    @Test
    void aLabelColumnOfTensThousandsOfClassesIsRefused() throws IOException {
        // The tester's 65,536-class CSV trained for minutes per epoch and took 6 GB; refused before any work now.
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 200; i++) rows.append(i % 7).append(',').append(i % 11).append(',').append(i == 5 ? 65535 : i % 3).append('\n');
        Path csv = Files.writeString(dir.resolve("zip-codes.csv"), rows);
        CliRun r = refused(args("train", "--data", csv.toString(), "--epochs", "1"),
                "zip-codes.csv: the label column holds 65,536 classes, more than train's limit of 10,000; is it a class label?"
                        + " For a number to predict, use --task regress");
        assertFalse(r.out().contains("epoch 1"), r.out());
    }

    @Test
    void manyClassesForFewExamplesEarnANote() throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 300; i++) rows.append(i % 7).append(',').append(i % 11).append(',').append(i % 150).append('\n');
        Path csv = Files.writeString(dir.resolve("ids.csv"), rows);
        CliRun r = CliRun.of("train", "--data", csv.toString(), "--epochs", "1", "--layers", "4");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().startsWith("note: 150 classes for 150 training examples (1.0 per class): is the last column a class label?"),
                r.err());
    }

    @Test
    void aKilledWritersTemporaryFileIsRemovedByTheNextSave() throws IOException {
        Path models = Files.createDirectories(dir.resolve("cleanup"));
        Path save = models.resolve("m.safetensors");
        Path stale = Files.write(models.resolve(".m.safetensors.999999999-1-1.tmp"), new byte[1 << 20]);
        CliRun r = CliRun.of("train", "--data", "iris", "--epochs", "1", "--save", save.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(Files.exists(stale), "a dead writer's full-size temporary file is gone");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
