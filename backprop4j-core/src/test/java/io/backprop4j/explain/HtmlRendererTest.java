package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The MathML of the math markup, the chain rule's paths, and the page's structure. */
class HtmlRendererTest {
    private static final Pattern TAG = Pattern.compile("<(/?)([a-z]+)[^>]*?(/?)>");

    /** Every element closed in order. */
    static void wellFormed(String xml) {
        Deque<String> open = new ArrayDeque<>();
        Matcher m = TAG.matcher(xml);
        while (m.find()) {
            if (!m.group(3).isEmpty()) continue;
            if (m.group(1).isEmpty()) open.push(m.group(2));
            else assertEquals(open.isEmpty() ? "(none)" : open.pop(), m.group(2), "closing tag in " + xml);
        }
        assertTrue(open.isEmpty(), "unclosed " + open + " in " + xml);
    }

    @Test
    void mathMlOfTheMarkup() {
        assertEquals("<math><mrow><mi>net</mi><mspace width=\"0.17em\"/><msub><mi>h</mi><mrow><mn>1</mn></mrow></msub><mo>=</mo><mn>3</mn>"
                + "<mo>·</mo><mo stretchy=\"false\">(</mo><mn>−0.2</mn><mo stretchy=\"false\">)</mo><mo>−</mo><mn>1</mn></mrow></math>",
                MathMl.inline("net h_{1} = 3*(-0.2) − 1"));
        // a sum takes its index under it; a superscript then a subscript make one msubsup
        assertTrue(MathMl.inline("Σ_{i} x_{i}").contains("<munder><mo>∑</mo><mrow><mi>i</mi></mrow></munder>"));
        assertTrue(MathMl.inline("h^{(2)}_{1}").contains("<msubsup><mi>h</mi><mrow><mn>1</mn></mrow><mrow><mo stretchy=\"false\">(</mo><mn>2</mn>"));
        // e-notation as a power of ten, never Euler's e
        assertTrue(MathMl.inline("1.23457e-07").contains("<mn>1.23457</mn><mo>×</mo><msup><mn>10</mn><mrow><mo>−</mo><mn>07</mn></mrow></msup>"));
        // words, notes and cases
        assertTrue(MathMl.inline("∂L/∂w = x\\text{ (4 terms)}").contains("<mtext>\u00a0(4 terms)</mtext>"));
        assertTrue(MathMl.block("f(x) = \\cases{x}{x > 0}{α*x}").contains("<mtable columnalign=\"left\">"));
        assertTrue(MathMl.inline("a < b & c").contains("<mo>&lt;</mo>"));
        assertTrue(MathMl.inline("ln(p)").contains("<mi>ln</mi><mo>\u2061</mo>"));
        assertTrue(MathMl.inline("f'(x)").contains("<msup><mi>f</mi><mo lspace=\"0\" rspace=\"0\">′</mo></msup>"));
    }

    @Test
    void everyFormulaOfEveryActivationAndLossIsWellFormedMathMl() {
        for (String a : NetworkSpec.ACTIVATIONS) {
            Activation act = Activation.byName(a, Double.NaN);
            for (String f : List.of(act.formula(), act.derivativeFormula())) {
                String m = MathMl.block(f);
                wellFormed(m);
                assertFalse(m.contains("\\") || m.contains("_{") || m.contains("^{"), a + ": " + m);
            }
        }
        for (Loss l : NetworkSpec.LOSSES) {
            for (String f : List.of(l.formula(), l.gradient())) {
                String m = MathMl.block(f);
                wellFormed(m);
                assertFalse(m.contains("\\") || m.contains("_{") || m.contains("^{"), l + ": " + m);
            }
        }
    }

    @Test
    void theProductsAlongThePathsSumToTheGradient() {
        int listed = 0;
        for (long seed = 1; seed <= 12; seed++) {
            NetworkSpec spec = seed % 2 == 0 ? GraderTest.network(seed) : small(seed);
            StepSolution s = Explainer.solve(spec);
            ChainRule chain = new ChainRule(s);
            for (int l = 0; l < spec.layers().size(); l++) {
                NetworkSpec.Layer layer = spec.layers().get(l);
                for (int i = 0; i < layer.inputs(); i++) {
                    for (int j = 0; j < layer.units(); j++) {
                        List<ChainRule.Path> paths = chain.paths(l, i, j);
                        if (paths == null) continue;
                        listed++;
                        assertEquals(chain.pathCount(l) * spec.batch(), paths.size());
                        double sum = 0;
                        for (ChainRule.Path p : paths) {
                            double prod = 1;
                            for (ChainRule.Factor f : p.factors()) prod *= f.value();
                            assertEquals(prod, p.product(), 1e-15 * Math.max(1, Math.abs(prod)));
                            sum += p.product();
                        }
                        double g = s.layers().get(l).weightsGrad()[i][j];
                        assertEquals(g, sum, 1e-12 + 1e-9 * Math.abs(g), "seed " + seed + ", weight " + l + "," + i + "," + j);
                    }
                }
            }
        }
        assertTrue(listed > 50, "weights with their paths listed: " + listed);
    }

    /** 3 → 2 (leaky relu) → 2 (softmax), one sample, binary cross-entropy: few enough paths to list. */
    static NetworkSpec small(long seed) {
        Random r = new Random(seed);
        double[][] w1 = new double[3][2];
        double[][] w2 = new double[2][2];
        for (double[] row : w1) for (int j = 0; j < 2; j++) row[j] = r.nextDouble() * 2 - 1;
        for (double[] row : w2) for (int j = 0; j < 2; j++) row[j] = r.nextDouble() * 2 - 1;
        return new NetworkSpec(new double[][] {{1, -2, 0.5}}, false, new double[][] {{0, 1}}, List.of(
                new NetworkSpec.Layer(w1, null, Activation.byName("leaky_relu", 0.1)),
                new NetworkSpec.Layer(w2, null, Activation.byName("softmax", Double.NaN))), Loss.BINARY_CROSS_ENTROPY, 0.1);
    }

    @Test
    void tooManyPathsAreNotListed() {
        StepSolution s = Explainer.solve(GraderTest.network(3));
        ChainRule chain = new ChainRule(s);
        // 3 → 3 → 3 → 2 with a softmax: a first-layer weight has 3·2·2 paths per sample, 24 with the batch of 2
        assertEquals(12, chain.pathCount(0));
        assertNull(chain.paths(0, 0, 0));
        assertNotNull(chain.paths(2, 0, 0));
    }

    @Test
    void thePageIsWellFormedAndOpensOffline() {
        StepSolution s = Explainer.solve(GraderTest.network(5));
        String html = HtmlRenderer.render(s);
        String body = html.substring(html.indexOf("<body"), html.indexOf("</body>") + 7);
        wellFormed(body.replaceAll("(?s)<script[^>]*>.*?</script>", "").replaceAll("<(meta|link|input|br)[^>]*>", ""));
        assertFalse(html.contains("http://") || html.contains("https://"));
        assertEquals(3 + 3 + 3 + 2, count(html, " data-unit=\""));
        assertEquals(9 + 9 + 6, count(html, " data-weight=\""));
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + 1)) n++;
        return n;
    }
}
