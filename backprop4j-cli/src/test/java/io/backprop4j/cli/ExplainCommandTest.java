package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainCommandTest {
    @Test
    void withoutSpecExplainsExercise61WithTrueValues() {
        CliRun r = CliRun.of("explain");
        assertEquals(0, r.status(), r.err());
        String t = r.out();
        assertTrue(t.contains("net h₁ = 3·(-0.2) + 1·(-0.1) + (-1)·0.2 + 2·0.2 = -0.5"), t);
        assertTrue(t.contains("net o₁ = (-0.005)·0.6 + 1.5·(-0.1) + 3.3·(-0.5) = -1.803"), t);
        assertTrue(t.contains("out o₁ = e^(-1.803) / (e^(-1.803) + e^(0.211)) = 0.117741"), t);
        assertTrue(t.contains("= 0.125269"), "the loss, −ln(0.882259): " + t);
        // the softmax layer: the Jacobian's coupling makes dL/dnet twice the diagonal-only value
        assertTrue(t.contains("∂L/∂net o₁ = 0.566727·0.103878 + (-0.566727)·(-0.103878) = 0.117741"), t);
        assertTrue(t.contains("∂L/∂w₁₁ = 0.000941927·3 = 0.00282578"), t);
        assertTrue(t.contains("w₁₁ = -0.2 − 0.1·0.00282578 = -0.200283"), t);
    }

    @Test
    void noCommandPrintsTheSameExplanation() {
        StringWriter sw = new StringWriter();
        DefaultJob.run(new PrintWriter(sw));
        assertEquals(CliRun.of("explain").out(), sw.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasTheDocumentedShape() {
        CliRun r = CliRun.of("explain", "--format", "json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> root = (Map<String, Object>) Json.parse(r.out(), "out");
        assertEquals(0.125269422998796, ((Number) root.get("loss")).doubleValue(), 1e-12);
        List<Map<String, Object>> layers = (List<Map<String, Object>>) root.get("layers");
        assertEquals(2, layers.size());
        assertEquals(List.of("net", "output", "output_grad", "net_grad", "weights_grad", "weights_updated"),
                List.copyOf(layers.get(0).keySet()));
        assertEquals(3, ((List<?>) layers.get(0).get("net")).size(), "one sample: a flat list");
        assertEquals(4, ((List<?>) layers.get(0).get("weights_grad")).size(), "inputs x units");
    }

    @Test
    void markdownUsesLatexAndOutWritesAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("e.md");
        CliRun r = CliRun.of("explain", "--format", "markdown", "--out", f.toString());
        assertEquals(0, r.status(), r.err());
        String md = Files.readString(f);
        assertTrue(md.contains("$\\mathrm{net}\\,h_{1} = 3 \\cdot (-0.2)"), md);
        // words in math are \text, unit values \mathrm (MarkdownRendererTest checks every span)
        assertTrue(md.contains("$$f(x) = \\begin{cases} x & \\text{if } x > 0 \\\\ \\alpha \\cdot x & \\text{otherwise} \\end{cases}"), md);
        assertTrue(md.contains("| unit | $\\mathrm{net}$ | $\\mathrm{out}$ |"), md);
        assertTrue(md.contains("learning rate $\\eta = 0.1$"), md);
        assertTrue(md.contains("| input \\ unit |") || md.contains("|"), md);
    }

    @Test
    void batchesShowEverySampleAndTheSummedGradient(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("b.yaml");
        Files.writeString(spec, """
                input: [[1, 2], [3, -1], [0.5, 0.5]]
                target: [[1], [0], [1]]
                layers:
                  - weights: [[0.1, -0.2], [0.3, 0.4]]
                    bias: [0.1, -0.1]
                    activation: tanh
                  - weights: [[0.5], [-0.6]]
                    bias: [0.2]
                    activation: sigmoid
                loss: binary_cross_entropy
                learning_rate: 0.5
                """);
        CliRun r = CliRun.of("explain", spec.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("sample 1 written out"), r.out());
        assertTrue(r.out().matches("(?s).*∂L/∂w₁₁ = .* \\+ .* \\+ .* = .*"), "a sum over the 3 samples: " + r.out());
        CliRun j = CliRun.of("explain", spec.toString(), "--format", "json");
        assertTrue(j.out().contains("\"bias_grad\"") && j.out().contains("\"bias_updated\""), j.out());
    }
}
