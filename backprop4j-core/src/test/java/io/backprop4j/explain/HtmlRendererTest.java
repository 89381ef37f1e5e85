package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import io.backprop4j.testing.Fixtures;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
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
            else assertEquals(open.isEmpty() ? "(none)" : open.pop(), m.group(2), () -> "closing tag in " + xml);
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

    // ------------------------------------------------------------------------------ networks with image layers

    /**
     * The 60 conv fixture networks (tools/fixtures/make_conv_explain_fixtures.py): the drawing has one
     * element per feature-map cell, flatten cell and dense unit, one per kernel and dense weight, one
     * pooling cell per pooling output, counted from the shapes worked out here from the spec; a chain
     * section per weight; and the cells a kernel weight lights up ({@link ConvDiagram#taps}) are the
     * terms whose products sum to its gradient.
     */
    @Test
    @SuppressWarnings("unchecked")
    void pagesOfTheConvFixturesFollowTheirShapes() {
        List<Map<String, Object>> cases = Fixtures.cases("explain-conv");
        assertEquals(60, cases.size());
        int taps = 0;
        int pages = 0;
        for (int n = 0; n < cases.size(); n++) {
            Map<String, Object> c = cases.get(n);
            String name = (String) c.get("name");
            Map<String, Object> json = (Map<String, Object>) c.get("spec");
            NetworkSpec spec = spec(json);
            StepSolution s = Explainer.solve(spec);
            taps += kernelTermsSumToTheGradients(name, s);
            if (n % 4 != 1) continue; // a page is a megabyte: every fourth network (pools of both kinds, paddings, strides, batches)
            pages++;
            String html = HtmlRenderer.render(s);
            String body = html.substring(html.indexOf("<body"), html.indexOf("</body>") + 7).replaceAll("(?s)<script[^>]*>.*?</script>", "");
            wellFormed(body.replaceAll("<(meta|link|input|br)[^>]*>", ""));
            assertFalse(html.contains("http://") || html.contains("https://"), name);
            // the shapes, from the spec's own numbers
            List<Object> input = (List<Object>) json.get("input");
            int[] shape = dims(input);
            if (shape.length == 4) shape = new int[] {shape[1], shape[2], shape[3]};
            int cells = shape[0] * shape[1] * shape[2];
            int units = cells;
            int inputs = cells;
            int kernels = 0;
            int dense = 0;
            int pooled = 0;
            for (Map<String, Object> l : (List<Map<String, Object>>) json.get("layers")) {
                String type = (String) l.getOrDefault("type", "dense");
                switch (type) {
                    case "conv2d" -> {
                        int[] k = dims((List<Object>) l.get("weights"));
                        int st = ((Number) l.getOrDefault("stride", 1)).intValue();
                        int pad = ((Number) l.getOrDefault("padding", 0)).intValue();
                        kernels += k[0] * k[1] * k[2] * k[3];
                        shape = new int[] {k[0], (shape[1] + 2 * pad - k[2]) / st + 1, (shape[2] + 2 * pad - k[3]) / st + 1};
                        units += shape[0] * shape[1] * shape[2];
                    }
                    case "max_pool2d", "avg_pool2d" -> {
                        int k = ((Number) l.get("kernel")).intValue();
                        int st = ((Number) l.getOrDefault("stride", k)).intValue();
                        shape = new int[] {shape[0], (shape[1] - k) / st + 1, (shape[2] - k) / st + 1};
                        units += shape[0] * shape[1] * shape[2];
                        pooled += shape[0] * shape[1] * shape[2];
                    }
                    case "flatten" -> {
                        shape = new int[] {shape[0] * shape[1] * shape[2]};
                        units += shape[0];
                    }
                    default -> {
                        int[] w = dims((List<Object>) l.get("weights"));
                        dense += w[0] * w[1];
                        units += w[1];
                    }
                }
            }
            assertEquals(units, count(body, " data-unit=\""), name + ": cells and units");
            assertEquals(inputs, count(body, " data-unit=\"in,"), name + ": input cells");
            assertEquals(kernels + dense, count(body, " data-weight=\""), name + ": weights");
            assertEquals(kernels, count(body, "<g class=\"kcell"), name + ": kernel weights");
            assertEquals(pooled, count(body, " data-pool=\""), name + ": pooling cells");
            assertEquals(kernels + dense, count(body, "<details class=\"chain\" id=\"chain-"), name + ": a worked gradient per weight");
            String table = body.substring(body.indexOf("class=\"diagram-table\""));
            assertEquals(kernels + dense, count(table.substring(0, table.indexOf("</details>")), "<tr><th scope=\"row\">"), name + ": a table row per weight");
            assertTrue(body.contains("<svg class=\"net conv\""), name);
        }
        assertEquals(15, pages);
        assertTrue(taps > 1000, "terms checked: " + taps);
    }

    /** The terms {@link ConvDiagram#taps} lights up for each kernel weight sum, with their factors, to its gradient; their count. */
    private static int kernelTermsSumToTheGradients(String name, StepSolution s) {
        NetworkSpec spec = s.spec();
        int taps = 0;
        for (int l = 0; l < spec.layers().size(); l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            if (layer.kind() != NetworkSpec.Kind.CONV2D) continue;
            int[] k = layer.kernel();
            int[] is = spec.inShape(l);
            int[] os = spec.outShape(l);
            for (int o = 0; o < k[0]; o++) {
                for (int ch = 0; ch < k[1]; ch++) {
                    for (int u = 0; u < k[2]; u++) {
                        for (int v = 0; v < k[3]; v++) {
                            double sum = 0;
                            for (ConvDiagram.Tap t : ConvDiagram.taps(spec, l, o, ch, u, v)) {
                                double[] in = l == 0 ? spec.input()[t.sample()] : s.layers().get(l - 1).output()[t.sample()];
                                sum += s.layers().get(l).netGrad()[t.sample()][(o * os[1] + t.i()) * os[2] + t.j()] * in[(ch * is[1] + t.y()) * is[2] + t.x()];
                                taps++;
                            }
                            double g = s.layers().get(l).weightsGrad()[o][(ch * k[2] + u) * k[3] + v];
                            assertEquals(g, sum, 1e-12 + 1e-9 * Math.abs(g), name + ": weight " + l + "," + o + "," + ch + "," + u + "," + v);
                        }
                    }
                }
            }
        }
        return taps;
    }

    @Test
    void aConvCheckPageMarksTheWrongNumbersAndOutlinesTheirCellsAndKernelWeights() {
        StepSolution s = ConvMistakeCases.SMAX;
        NetworkSpec spec = s.spec();
        // the person's numbers: every true one, in full, but for two slips: a net of the conv's map and a kernel weight's gradient
        List<Map<Field, Answers.Written[][]>> layers = GraderTest.full(s);
        layers.get(0).get(Field.NET)[0][4] = GraderTest.w(s.layers().get(0).net()[0][4] + 1);
        layers.get(0).get(Field.WEIGHTS_GRAD)[1][5] = GraderTest.w(s.layers().get(0).weightsGrad()[1][5] + 1);
        Grader.Report r = Grader.grade(s, new Answers(GraderTest.w(s.loss()), layers));
        String html = HtmlRenderer.render(r);
        java.util.Set<String> wrongPaths = new java.util.TreeSet<>();
        java.util.Set<String> expected = new java.util.TreeSet<>();
        int[] os = spec.outShape(0);
        int[] k = spec.layers().get(0).kernel();
        for (Grader.Entry e : r.entries()) {
            if (e.correct()) continue;
            wrongPaths.add(e.path());
            if (e.field() == null || e.field().bias()) continue;
            NetworkSpec.Layer layer = spec.layers().get(e.layer());
            int q = e.col();
            if (e.field().perSample()) {
                int[] sh = spec.outShape(e.layer());
                expected.add(sh.length == 3 ? e.layer() + "," + q / (sh[1] * sh[2]) + "," + q / sh[2] % sh[1] + "," + q % sh[2] : e.layer() + "," + q);
            } else if (layer.kind() == NetworkSpec.Kind.CONV2D) {
                expected.add(e.layer() + "," + e.row() + "," + q / (k[2] * k[3]) + "," + q / k[3] % k[2] + "," + q % k[3]);
            } else {
                expected.add(e.layer() + "," + e.row() + "," + q);
            }
        }
        assertTrue(wrongPaths.contains("layers[0].net[0][1][1]") && wrongPaths.contains("layers[0].weights_grad[1][0][1][2]"), wrongPaths.toString());
        assertTrue(expected.contains("0,0,1,1") && expected.contains("0,1,0,1,2"), expected.toString());
        java.util.Set<String> marked = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("data-path=\"([^\"]+)\" data-correct=\"false\"").matcher(html);
        while (m.find()) marked.add(m.group(1));
        assertEquals(wrongPaths, marked, "exactly the wrong numbers are marked");
        java.util.Set<String> outlined = new java.util.TreeSet<>();
        Matcher o = Pattern.compile("<g class=\"(?:cell|kcell|unit|edge)[^\"]* wrong[^\"]*\" data-(?:unit|weight)=\"([^\"]+)\"").matcher(html);
        while (o.find()) outlined.add(o.group(1));
        assertEquals(expected, outlined, "the drawing outlines the cells and weights of the wrong numbers");
    }

    /** A spec from the fixture's JSON, as the command's reader would make it. */
    @SuppressWarnings("unchecked")
    static NetworkSpec spec(Map<String, Object> json) {
        List<Object> input = (List<Object>) json.get("input");
        int[] d = dims(input);
        boolean batched = d.length == 4;
        int[] shape = batched ? new int[] {d[1], d[2], d[3]} : d;
        double[] flat = numbers(input);
        int n = batched ? d[0] : 1;
        int size = flat.length / n;
        double[][] x = new double[n][];
        for (int b = 0; b < n; b++) x[b] = java.util.Arrays.copyOfRange(flat, b * size, (b + 1) * size);
        double[] t = numbers((List<Object>) json.get("target"));
        int outs = t.length / n;
        double[][] target = new double[n][];
        for (int b = 0; b < n; b++) target[b] = java.util.Arrays.copyOfRange(t, b * outs, (b + 1) * outs);
        List<NetworkSpec.Layer> layers = new ArrayList<>();
        for (Map<String, Object> l : (List<Map<String, Object>>) json.get("layers")) {
            String type = (String) l.getOrDefault("type", "dense");
            Double alpha = l.get("alpha") == null ? null : ((Number) l.get("alpha")).doubleValue();
            Activation act = l.get("activation") == null ? null : NetworkSpec.activation((String) l.get("activation"), alpha);
            double[] bias = l.get("bias") == null ? null : numbers((List<Object>) l.get("bias"));
            switch (type) {
                case "conv2d" -> {
                    int[] k = dims((List<Object>) l.get("weights"));
                    double[] w = numbers((List<Object>) l.get("weights"));
                    double[][][][] w4 = new double[k[0]][k[1]][k[2]][k[3]];
                    int at = 0;
                    for (double[][][] o : w4) for (double[][] c : o) for (double[] row : c) for (int v = 0; v < k[3]; v++) row[v] = w[at++];
                    layers.add(NetworkSpec.Layer.conv2d(w4, bias, act, ((Number) l.getOrDefault("stride", 1)).intValue(),
                            ((Number) l.getOrDefault("padding", 0)).intValue()));
                }
                case "max_pool2d", "avg_pool2d" -> {
                    int k = ((Number) l.get("kernel")).intValue();
                    layers.add(NetworkSpec.Layer.pool(type.equals("max_pool2d") ? NetworkSpec.Kind.MAX_POOL2D : NetworkSpec.Kind.AVG_POOL2D, k,
                            ((Number) l.getOrDefault("stride", k)).intValue()));
                }
                case "flatten" -> layers.add(NetworkSpec.Layer.flatten());
                default -> {
                    int[] k = dims((List<Object>) l.get("weights"));
                    double[] w = numbers((List<Object>) l.get("weights"));
                    double[][] w2 = new double[k[0]][k[1]];
                    for (int i = 0; i < k[0]; i++) System.arraycopy(w, i * k[1], w2[i], 0, k[1]);
                    layers.add(new NetworkSpec.Layer(w2, bias, act));
                }
            }
        }
        Object lr = json.get("learning_rate");
        return new NetworkSpec(x, batched, shape, target, layers, NetworkSpec.loss((String) json.get("loss")),
                lr == null ? null : ((Number) lr).doubleValue());
    }

    /** The sizes of nested lists, outermost first. */
    @SuppressWarnings("unchecked")
    static int[] dims(List<Object> list) {
        List<Integer> d = new ArrayList<>();
        Object at = list;
        while (at instanceof List<?> l) {
            d.add(l.size());
            at = l.get(0);
        }
        return d.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Every number of nested lists, in order. */
    static double[] numbers(List<Object> list) {
        List<Double> out = new ArrayList<>();
        collect(list, out);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void collect(Object o, List<Double> out) {
        if (o instanceof List<?> l) for (Object x : l) collect(x, out);
        else out.add(((Number) o).doubleValue());
    }
}
