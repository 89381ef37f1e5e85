package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.data.TextData;
import io.backprop4j.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bench words-M: our side of every text model, a few steps or a recipe's first epochs; bench
 * compare words-M: PyTorch, from our initial weights on our batches, ends where we end (those
 * tests skip without /usr/bin/python3 and torch). All skip without the words file.
 */
class WordsBenchTest {
    @TempDir
    Path dir;

    static boolean pythonWithTorch() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Our side of words-M for a few steps: the result lines, and the files PyTorch's side reads with their shapes. */
    @ParameterizedTest
    @CsvSource({"bigram, 256, 1", "mlp, 128, 6", "gru, 64, 16"})
    void oursTrainsEveryTextModelAFewSteps(String model, int batch, int context) {
        assumeTrue(Files.exists(TextData.WORDS_FILE), "no " + TextData.WORDS_FILE);
        String name = "words-" + model;
        CliRun r = CliRun.of("bench", name, "--steps", "6", "--test-windows", "64", "--work-dir", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains(name + " step 1: loss "), r.out());
        Matcher loss = Pattern.compile(name + " test loss: (\\S+)").matcher(r.out());
        assertTrue(loss.find(), r.out());
        assertTrue(Double.parseDouble(loss.group(1)) < Math.log(27) + 1, loss.group());
        assertTrue(r.out().contains(name + " ms per step: "), r.out());
        assertTrue(r.out().contains(name + " ms per step, whole run: "), r.out());
        var data = Safetensors.read(dir.resolve(name + "-data.safetensors")).tensors();
        assertEquals(List.of(6 * batch, context), Arrays.stream(data.get("train_x").shape()).boxed().toList());
        // The mlp predicts the window's next character only; the others every position's.
        int[] y = data.get("train_y").shape();
        assertEquals(model.equals("mlp") ? 1 : 2, y.length, Arrays.toString(y));
        assertEquals(List.of(64, context), Arrays.stream(data.get("test_x").shape()).boxed().toList());
        assertTrue(Files.exists(dir.resolve(name + "-init.safetensors")));
    }

    /** --recipe is train --data words --model M: the same validation and test losses, to the printed digit. */
    @Test
    void aRecipeEndsWhereTrainEnds() {
        assumeTrue(Files.exists(TextData.WORDS_FILE), "no " + TextData.WORDS_FILE);
        CliRun r = CliRun.of("bench", "words-bigram", "--recipe", "--recipe-epochs", "2", "--work-dir", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        CliRun t = CliRun.of("train", "--data", "words", "--model", "bigram", "--epochs", "2");
        assertEquals(0, t.status(), t.out() + t.err());
        Matcher ours = Pattern.compile("words-bigram epoch (\\d) validation loss: (\\S+)").matcher(r.out());
        Matcher train = Pattern.compile("validation loss (\\S+)").matcher(t.out());
        for (int epoch = 1; epoch <= 2; epoch++) {
            assertTrue(ours.find() && train.find(), r.out() + t.out());
            assertEquals(Integer.toString(epoch), ours.group(1));
            assertEquals(train.group(1), ours.group(2), "epoch " + epoch + "'s validation loss");
        }
        assertTrue(!ours.find(), "two epochs only: " + r.out());
        Matcher test = Pattern.compile("words-bigram test loss: (\\S+)").matcher(r.out());
        Matcher trainTest = Pattern.compile("test loss: (\\S+)").matcher(t.out());
        assertTrue(test.find() && trainTest.find(), r.out() + t.out());
        assertEquals(trainTest.group(1), test.group(1));
        assertTrue(Files.exists(dir.resolve("words-bigram-epoch2.safetensors")) && !Files.exists(dir.resolve("words-bigram-epoch3.safetensors")));
        var meta = Safetensors.read(dir.resolve("words-bigram-data.safetensors")).metadata();
        assertEquals("adam", meta.get("optimizer"));
        assertEquals("4", meta.get("recipe_epochs"));
        assertEquals("2", meta.get("epochs"));
    }

    @Test
    void recipeOptionsRefuseWhatTheyAreNotFor() {
        CliRun r = CliRun.of("bench", "gemm", "--recipe");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("--recipe is for the words-* workloads, not gemm"), r.err());
        assertTrue(r.noStackTrace(), r.err());
        r = CliRun.of("bench", "words-mlp", "--recipe-epochs", "2");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("--recipe-epochs goes with --recipe"), r.err());
        r = CliRun.of("bench", "compare", "words-mlp", "--recipe", "--recipe-epochs", "0");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("--recipe-epochs must be at least 1, got 0"), r.err());
    }

    /** PyTorch's mlp and gru from our weights on our batches (the bigram: below, with its recipe): the same first loss, the same test loss. */
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "gru"})
    void pytorchTrainsTheSameModelToTheSameTestLoss(String model) throws Exception {
        assumeTrue(Files.exists(TextData.WORDS_FILE), "no " + TextData.WORDS_FILE);
        assumeTrue(pythonWithTorch(), "/usr/bin/python3 with torch is not installed");
        String name = "words-" + model;
        CliRun r = CliRun.of("bench", "compare", name, "--steps", "6", "--runs", "1", "--test-windows", "256", "--work-dir", dir.toString(),
                "--reference", Path.of("..", BenchCommand.REFERENCE).toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Matcher first = Pattern.compile(name + " step 1: loss (\\S+)").matcher(r.out());
        assertTrue(first.find(), r.out());
        String ours = first.group(1);
        assertTrue(first.find(), r.out());
        assertEquals(ours, first.group(1), "PyTorch's first loss");
        Matcher loss = Pattern.compile(name + " test loss +(\\S+) +(\\S+) +(\\S+)").matcher(r.out());
        assertTrue(loss.find(), r.out());
        assertTrue(Math.abs(Double.parseDouble(loss.group(1)) - Double.parseDouble(loss.group(2))) < 2e-3, loss.group());
    }

    /** A recipe on both sides (bigram: Adam, no schedule; two of its four epochs): every validation loss and the test loss agree. */
    @Test
    void pytorchRunsTheSameRecipe() throws Exception {
        assumeTrue(Files.exists(TextData.WORDS_FILE), "no " + TextData.WORDS_FILE);
        assumeTrue(pythonWithTorch(), "/usr/bin/python3 with torch is not installed");
        CliRun r = CliRun.of("bench", "compare", "words-bigram", "--recipe", "--recipe-epochs", "2", "--work-dir", dir.toString(),
                "--reference", Path.of("..", BenchCommand.REFERENCE).toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("run 1/1: PyTorch words-bigram") && !r.out().contains("run 2/"), "a recipe runs once: " + r.out());
        Matcher loss = Pattern.compile("words-bigram (epoch \\d validation|test) loss +(\\S+) +(\\S+) +(\\S+)").matcher(r.out());
        int rows = 0;
        while (loss.find()) {
            rows++;
            assertTrue(Math.abs(Double.parseDouble(loss.group(2)) - Double.parseDouble(loss.group(3))) < 2e-3, loss.group());
        }
        assertEquals(3, rows, r.out());
    }

    @Test
    void pytorchTrainsTheSameLstmToTheSameTestLoss() throws Exception {
        assumeTrue(Files.exists(TextData.WORDS_FILE), "no " + TextData.WORDS_FILE);
        assumeTrue(pythonWithTorch(), "/usr/bin/python3 with torch is not installed");
        Path reference = Path.of("..", BenchCommand.REFERENCE);
        CliRun r = CliRun.of("bench", "compare", "words-lstm", "--steps", "6", "--runs", "1", "--test-windows", "256", "--work-dir", dir.toString(),
                "--reference", reference.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(Files.exists(dir.resolve("words-lstm-init.safetensors")) && Files.exists(dir.resolve("words-lstm-data.safetensors")));
        // The first step's loss: the same weights and batch on both sides.
        Matcher first = Pattern.compile("words-lstm step 1: loss (\\S+)").matcher(r.out());
        assertTrue(first.find(), r.out());
        String ours = first.group(1);
        assertTrue(first.find(), r.out());
        assertEquals(ours, first.group(1), "PyTorch's first loss");
        Matcher loss = Pattern.compile("words-lstm test loss +(\\S+) +(\\S+) +(\\S+)").matcher(r.out());
        assertTrue(loss.find(), r.out());
        assertTrue(Math.abs(Double.parseDouble(loss.group(1)) - Double.parseDouble(loss.group(2))) < 2e-3, loss.group());
        assertTrue(r.out().contains("words-lstm ms per step "), r.out());
        assertTrue(Pattern.compile("words-lstm ms per step, whole run +\\S+ +\\S+ +\\S+ +x PyTorch's time").matcher(r.out()).find(), r.out());
    }

    /** The timed steps: the second half of the run, never the first WARM_UP, at least the last step. */
    @Test
    void theSecondHalfOfTheStepsIsTimed() {
        assertEquals(200, TextBench.timedFrom(400));
        assertEquals(50, TextBench.timedFrom(101));
        assertEquals(TextBench.WARM_UP, TextBench.timedFrom(8));
        assertEquals(5, TextBench.timedFrom(6));
        assertEquals(0, TextBench.timedFrom(1));
    }
}
