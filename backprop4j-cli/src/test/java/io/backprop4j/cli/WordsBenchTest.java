package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.data.TextData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench compare words-lstm: PyTorch, from our initial weights on our batches, ends where we end.
 * Skips without /usr/bin/python3 and torch, or without the words file.
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
        assertTrue(r.out().contains("words-lstm ms per step"), r.out());
    }
}
