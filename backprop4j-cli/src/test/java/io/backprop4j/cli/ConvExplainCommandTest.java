package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** explain and check on the convolutional example spec, and the one-line refusals of bad conv specs. */
class ConvExplainCommandTest {
    static final Path EXAMPLE = Path.of("../backprop4j-examples/conv/conv-step.yaml");

    @Test
    void explainWorksTheConvolutionInEveryFormat() {
        CliRun text = CliRun.of("explain", EXAMPLE.toString());
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("net h⁽¹⁾₁,₁,₁ = 1·0.1 + 0·(-0.2) + 0·0.3 + 1·0.4 + 0 = 0.5"), text.out());
        assertTrue(text.out().contains("out h⁽²⁾₂,₁,₁ = max(0.8, 1.7, 0.5, 0.5) = 1.7 (the input at channel 2, row 1, column 2 wins)"), text.out());
        assertTrue(text.out().contains("∂L/∂out h⁽¹⁾₂,₁,₂ = 0.281088 (window 1,1) + 0.168653 (window 1,2) = 0.449741"), text.out());
        assertTrue(text.out().contains("the correlation of the input with the gradient from above"), text.out());
        for (String f : List.of("markdown", "html", "json")) {
            CliRun r = CliRun.of("explain", "--format", f, EXAMPLE.toString());
            assertEquals(0, r.status(), f + ": " + r.err());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void checkReadsNestedAnswersAndNamesAFlippedKernel(@TempDir Path dir) throws Exception {
        String json = CliRun.of("explain", "--format", "json", EXAMPLE.toString()).out();
        Path right = dir.resolve("right.json");
        Files.writeString(right, json);
        CliRun ok = CliRun.of("check", EXAMPLE.toString(), right.toString());
        assertEquals(0, ok.status(), ok.out() + ok.err());

        // the kernel gradient worked as a convolution: filter 1 turned by 180° (2 x 2: [0][0] <-> [1][1])
        Map<String, Object> root = (Map<String, Object>) Json.parse(json, "json");
        Map<String, Object> conv = ((List<Map<String, Object>>) root.get("layers")).get(0);
        List<List<List<List<Object>>>> wg = (List<List<List<List<Object>>>>) conv.get("weights_grad");
        Object a = wg.get(0).get(0).get(0).get(0);
        wg.get(0).get(0).get(0).set(0, wg.get(0).get(0).get(1).get(1));
        wg.get(0).get(0).get(1).set(1, a);
        Path wrong = dir.resolve("wrong.json");
        Files.writeString(wrong, Json.write(Map.of("layers", List.of(Map.of("weights_grad", wg)))));
        CliRun bad = CliRun.of("check", EXAMPLE.toString(), wrong.toString(), "--format", "json");
        assertEquals(1, bad.status(), bad.out() + bad.err());
        Map<String, Object> report = (Map<String, Object>) Json.parse(bad.out(), "report");
        List<Map<String, Object>> entries = (List<Map<String, Object>>) report.get("entries");
        int wrongCount = 0;
        for (Map<String, Object> e : entries) {
            if ((Boolean) e.get("correct")) continue;
            wrongCount++;
            String path = (String) e.get("path");
            assertTrue(path.equals("layers[0].weights_grad[0][0][0][0]") || path.equals("layers[0].weights_grad[0][0][1][1]"), path);
            assertEquals("convolution", e.get("kind"), e.toString());
            assertTrue(((String) e.get("diagnosis")).startsWith("the kernel flipped"), e.toString());
        }
        assertEquals(2, wrongCount, bad.out());
        CliRun txt = CliRun.of("check", EXAMPLE.toString(), wrong.toString());
        assertTrue(txt.out().contains("kernel flipped"), txt.out());
        CliRun html = CliRun.of("check", EXAMPLE.toString(), wrong.toString(), "--format", "html");
        assertEquals(2, html.out().split(" data-correct=\"false\"", -1).length - 1, "wrong numbers marked on the page");
        assertEquals(6, html.out().split(" data-correct=\"true\"", -1).length - 1, "right numbers marked on the page");
        assertTrue(html.out().contains("data-path=\"layers[0].weights_grad[0][0][1][1]\""), "paths in the nested layout");

        // a nested field of the wrong shape names both shapes
        Path shape = dir.resolve("shape.json");
        Files.writeString(shape, "{\"layers\": [{\"output\": [[[1, 2], [3, 4]]]}]}");
        CliRun s = CliRun.of("check", EXAMPLE.toString(), shape.toString());
        assertEquals(2, s.status(), s.out() + s.err());
        assertTrue(s.err().contains("layers[0].output: is 1 x 2 x 2, but the network's is 2 x 3 x 3 (channels x height x width)"), s.err());
    }

    @Test
    void theExampleAnswersGetTheirTwoMistakesNamed() {
        CliRun r = CliRun.of("check", EXAMPLE.toString(), "../backprop4j-examples/conv/conv-step-answers.yaml");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("2 mistakes (20 numbers)."), r.out());
        assertTrue(r.out().contains("1. FIRST MISTAKE layers[0].output_grad[0][0][0]: 0.2249, true 0: the max-pool gradient spread over the whole window"), r.out());
        assertTrue(r.out().contains("2. layers[0].weights_grad[0][0][0][0]: -0.1687, true -0.562177: the kernel flipped"), r.out());
        assertTrue(r.out().contains("layers[0].weights_grad (out x in x kh x kw)"), r.out());
    }

    private static CliRun explain(Path dir, String spec) throws Exception {
        Path p = dir.resolve("bad.yaml");
        Files.writeString(p, spec);
        return CliRun.of("explain", p.toString());
    }

    private static final String IMAGE = "input: [[[1, 0, 2], [0, 1, 3], [2, 1, 0]]]\ntarget: [0, 1]\nloss: cross_entropy\n";

    @Test
    void badConvSpecsGetOneLineNamingTheLayerAndBothShapes(@TempDir Path dir) throws Exception {
        CliRun big = explain(dir, IMAGE + "layers:\n  - {type: conv2d, weights: [[[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]]], activation: relu}\n"
                + "  - {type: flatten}\n  - {weights: [[1, 2]], activation: softmax}\n");
        assertEquals(2, big.status(), big.err());
        assertEquals(1, big.err().strip().lines().count(), big.err());
        assertTrue(big.err().contains("layers[0].weights: the kernel is 4 x 4, larger than the padded input 3 x 3"), big.err());

        CliRun channels = explain(dir, IMAGE + "layers:\n  - {type: conv2d, weights: [[[[1]], [[2]]]], activation: relu}\n"
                + "  - {type: flatten}\n  - {weights: [[1, 2]], activation: softmax}\n");
        assertEquals(2, channels.status(), channels.err());
        assertEquals(1, channels.err().strip().lines().count(), channels.err());
        assertTrue(channels.err().contains("layers[0].weights: is 1 x 2 x 1 x 1 (out x in x kh x kw): 2 input channels, but the input gives 1 x 3 x 3"),
                channels.err());

        CliRun flat = explain(dir, IMAGE + "layers:\n  - {type: conv2d, weights: [[[[1, 1], [1, 1]]]], activation: relu}\n"
                + "  - {type: flatten}\n  - {weights: [[1, 2], [3, 4], [5, 6]], activation: softmax}\n");
        assertEquals(2, flat.status(), flat.err());
        assertEquals(1, flat.err().strip().lines().count(), flat.err());
        assertTrue(flat.err().contains("layers[2].weights: is 3 x 2 (inputs x units), but layer 1 (flatten) gives 4 features"), flat.err());

        CliRun dense = explain(dir, IMAGE + "layers:\n  - {type: max_pool2d, kernel: 2}\n  - {weights: [[1, 2]], activation: softmax}\n");
        assertEquals(2, dense.status(), dense.err());
        assertTrue(dense.err().contains("layers[1].weights: a dense layer takes a flat input, but layer 0 (max_pool2d) gives 1 x 1 x 1"), dense.err());
    }
}
