package io.backprop4j.internal.kernel;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float64 twins (DoubleGemm, DoubleGemv, the marked regions of Gemm, VectorMath, VectorLoops, AdamCore)
 * are exactly what tools/codegen/GenerateTwins.java makes from their float32 source: this fails
 * when a twin was edited by hand or its source changed without running the generator.
 */
class GeneratedTwinsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path GENERATOR = ROOT.resolve("tools/codegen/GenerateTwins.java");

    private static String run(Path root) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, GENERATOR.toString(), "--check", root.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // The JVM's own notice when JAVA_TOOL_OPTIONS is set (as the width runs of the tests do) is not the generator's output.
        return p.waitFor() + ":" + out.replaceAll("(?m)^Picked up JAVA_TOOL_OPTIONS:.*\\R", "");
    }

    @Test
    void twinsAreUpToDate() throws Exception {
        assertTrue(Files.isRegularFile(GENERATOR), GENERATOR + " missing");
        assertEquals("0:", run(ROOT), "run 'java tools/codegen/GenerateTwins.java' from the repository root");
    }

    /** The check can fail: a copy of the tree with DoubleGemm edited by hand is refused, naming it. */
    @Test
    void aHandEditIsCaught() throws Exception {
        Path copy = Files.createTempDirectory("twins");
        try {
            for (String file : new String[] {"FloatGemm.java", "DoubleGemm.java", "FloatGemv.java", "DoubleGemv.java", "Gemm.java", "VectorMath.java", "VectorLoops.java", "Recurrent.java", "Sequences.java",
                    "Im2col.java", "Convolution.java", "Pooling.java", "Normalization.java"}) {
                Path rel = Path.of("backprop4j-core/src/main/java/io/backprop4j/internal/kernel", file);
                Files.createDirectories(copy.resolve(rel).getParent());
                Files.copy(ROOT.resolve(rel), copy.resolve(rel));
            }
            Path adam = Path.of("backprop4j-core/src/main/java/io/backprop4j/optim/AdamCore.java");
            Files.createDirectories(copy.resolve(adam).getParent());
            Files.copy(ROOT.resolve(adam), copy.resolve(adam));
            Path dg = copy.resolve("backprop4j-core/src/main/java/io/backprop4j/internal/kernel/DoubleGemm.java");
            Files.writeString(dg, Files.readString(dg).replace("KC_MAX = 2048", "KC_MAX = 1024"));
            String result = run(copy);
            assertTrue(result.startsWith("1:") && result.contains("DoubleGemm.java: stale or edited by hand"), result);
            // A float32 region edited without regenerating (its first occurrence is the float32 one): the float64 twin is stale.
            Path vm = copy.resolve("backprop4j-core/src/main/java/io/backprop4j/internal/kernel/VectorMath.java");
            Files.writeString(vm, Files.readString(vm).replaceFirst(": from;", ": from + 0;"));
            result = run(copy);
            assertTrue(result.contains("VectorMath.java: stale or edited by hand"), result);
        } finally {
            try (var files = Files.walk(copy)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
