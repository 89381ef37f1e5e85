package io.backprop4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example runs and does what its comment says. */
class ExamplesTest {
    @TempDir
    Path dir;

    /** Runs main and returns what it printed. */
    private static String run(ThrowingMain main, String... args) throws Exception {
        PrintStream old = System.out;
        var bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        old.print(out);
        return out;
    }

    @FunctionalInterface
    interface ThrowingMain {
        void run(String[] args) throws Exception;
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void xorIsLearnt() throws Exception {
        assertEquals("tensor([[False],\n        [ True],\n        [ True],\n        [False]])", run(Xor::main).strip());
    }

    @Test
    void sinIsFitted() throws Exception {
        String out = run(SinRegression::main);
        assertTrue(number(out, "mse ([0-9.]+)") < 0.01, out);
        assertEquals(Math.sin(1), number(out, "sin\\(1\\) ≈ ([-0-9.]+)"), 0.05);
    }

    @Test
    void digitsAreRecognised() throws Exception {
        String out = run(DigitsMlp::main, "5");
        assertTrue(out.contains("epoch 5/5"), out);
        assertTrue(number(out, "test accuracy ([0-9.]+)") > 0.9, out);
    }

    @Test
    void aCnnLearnsFashionMnist() throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        String out = run(FashionCnn::main, "1", "2000");   // 16 steps: far above chance (0.1), not yet good
        assertTrue(out.contains("epoch 1/1"), out);
        assertTrue(number(out, "test accuracy ([0-9.]+)") > 0.5, out);
    }

    @Test
    void aCustomModuleTrains() throws Exception {
        String out = run(CustomModule::main);
        assertTrue(out.startsWith("Residual(width=4) [inner.weight, inner.bias, outer.weight, outer.bias]"), out);
        assertTrue(number(out, "-> ([0-9.]+)") < number(out, "loss ([0-9.]+)") / 10, out);
    }

    @Test
    void aModelIsSavedAndLoaded() throws Exception {
        Path file = dir.resolve("iris.safetensors");
        String out = run(SaveAndLoad::main, file.toString());
        assertTrue(Files.size(file) > 0);
        assertTrue(out.matches("(?s)\\[(setosa|versicolor|virginica)(, (setosa|versicolor|virginica)){4}\\] saved in iris.safetensors\\s*"), out);
    }
}
