package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.explain.Answers.Written;
import io.backprop4j.loss.Loss;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Softmax;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The LaTeX in {@code explain --format markdown}: for networks with every activation, every loss,
 * bias, batches, deep and wide layers, every math span has balanced braces, known commands only, no
 * word left bare in math (words go in {@code \text}, unit values in {@code \mathrm}) and no doubled
 * spaces; table headers name net and out with {@code \mathrm}.
 */
class MarkdownRendererTest {
    /** The LaTeX commands the renderer may write. */
    private static final Set<String> COMMANDS = Set.of("alpha", "beta", "gamma", "delta", "epsilon", "eta", "lambda", "mu",
            "sigma", "phi", "Phi", "sum", "partial", "leftarrow", "to", "approx", "times", "cdot", "dots", "le", "ge", "infty",
            "tfrac", "sqrt", "ln", "log", "exp", "tanh", "sinh", "cosh", "max", "min", "sin", "cos", "operatorname", "mathrm",
            "text", "begin", "end", "quad");
    private static final Pattern COMMAND = Pattern.compile("\\\\([a-zA-Z]+)");

    // ------------------------------------------------------------------------------ networks

    private static double[][] rand(Random r, int n, int m) {
        double[][] a = new double[n][m];
        for (double[] row : a) for (int j = 0; j < m; j++) row[j] = Math.round((r.nextDouble() * 2 - 1) * 100) / 100.0;
        return a;
    }

    /** One-hot targets for cross-entropy and BCE, values in [0, 1] for MSE. */
    private static double[][] target(Random r, int batch, int units, Loss loss) {
        double[][] t = new double[batch][units];
        for (double[] row : t) {
            if (loss == Loss.MSE) for (int j = 0; j < units; j++) row[j] = Math.round(r.nextDouble() * 10) / 10.0;
            else row[r.nextInt(units)] = 1;
        }
        return t;
    }

    private static NetworkSpec net(long seed, int[] sizes, List<String> acts, Loss loss, int batch, boolean bias, Double lr) {
        Random r = new Random(seed);
        List<NetworkSpec.Layer> layers = new ArrayList<>();
        for (int k = 0; k + 1 < sizes.length; k++) {
            layers.add(new NetworkSpec.Layer(rand(r, sizes[k], sizes[k + 1]), bias ? rand(r, 1, sizes[k + 1])[0] : null, NetworkSpec.activation(acts.get(k), null)));
        }
        return new NetworkSpec(rand(r, batch, sizes[0]), batch > 1, target(r, batch, sizes[sizes.length - 1], loss), layers, loss, lr);
    }

    /** Exercise 6.1, the default of {@code explain}. */
    static NetworkSpec exercise61() {
        return new NetworkSpec(new double[][] {{3, 1, -1, 2}}, false, new double[][] {{0, 1}}, List.of(
                new NetworkSpec.Layer(new double[][] {{-0.2, 0.9, 0.4}, {-0.1, 0.3, 0.4}, {0.2, 0.5, -0.7}, {0.2, -0.5, 0.5}},
                        null, new LeakyReLU(0.01)),
                new NetworkSpec.Layer(new double[][] {{0.6, -0.2}, {-0.1, 0.8}, {-0.5, -0.3}}, null, new Softmax())),
                Loss.BINARY_CROSS_ENTROPY, 0.1);
    }

    /** Every activation in a hidden and in the output layer, with every loss; bias, batches, deep, wide, no update. */
    static Map<String, NetworkSpec> networks() {
        Map<String, NetworkSpec> m = new LinkedHashMap<>();
        m.put("exercise 6.1", exercise61());
        long seed = 1;
        for (String a : NetworkSpec.ACTIVATIONS) {
            for (Loss loss : NetworkSpec.LOSSES) {
                String out = loss == Loss.CROSS_ENTROPY ? "softmax" : "sigmoid";
                m.put(a + " hidden, " + loss, net(seed++, new int[] {3, 2, 2}, List.of(a, out), loss, 1, false, 0.1));
                // cross-entropy and BCE need probabilities out: softmax, or sigmoid for BCE
                boolean probabilities = a.equals("softmax") || a.equals("sigmoid") && loss == Loss.BINARY_CROSS_ENTROPY;
                if (loss == Loss.MSE || probabilities) {
                    m.put(a + " out, " + loss, net(seed++, new int[] {3, 2, 2}, List.of("tanh", a), loss, 1, false, 0.1));
                }
            }
            m.put(a + ", bias, batch", net(seed++, new int[] {2, 3, 2}, List.of(a, "sigmoid"), Loss.BINARY_CROSS_ENTROPY, 3, true, 0.5));
        }
        m.put("deep", net(seed++, new int[] {3, 3, 3, 2}, List.of("relu", "elu", "softmax"), Loss.CROSS_ENTROPY, 1, true, 0.1));
        m.put("deep batch", net(seed++, new int[] {3, 3, 3, 2}, List.of("gelu", "softplus", "softmax"), Loss.CROSS_ENTROPY, 2, true, 0.1));
        m.put("one layer", net(seed++, new int[] {4, 3}, List.of("softmax"), Loss.CROSS_ENTROPY, 1, false, 0.1));
        m.put("one layer, batch, no update", net(seed++, new int[] {4, 1}, List.of("identity"), Loss.MSE, 4, false, null));
        m.put("wide batch", net(seed++, new int[] {14, 12, 3}, List.of("gelu", "softmax"), Loss.BINARY_CROSS_ENTROPY, 2, true, 0.1));
        m.put("wide", net(seed++, new int[] {14, 13, 2}, List.of("leaky_relu", "sigmoid"), Loss.MSE, 1, false, 1e-6));
        return m;
    }

    // ------------------------------------------------------------------------------ math spans

    /** The math spans of a markdown document: $$...$$ and $...$, in order. */
    static List<String> mathSpans(String md, String name) {
        List<String> spans = new ArrayList<>();
        int i = 0;
        while ((i = md.indexOf('$', i)) >= 0) {
            boolean display = md.startsWith("$$", i);
            int from = i + (display ? 2 : 1);
            int end = md.indexOf(display ? "$$" : "$", from);
            if (end < 0) fail(name + ": a math span opened and never closed at " + md.substring(i, Math.min(md.length(), i + 60)));
            String span = md.substring(from, end);
            if (!display && span.contains("\n")) fail(name + ": inline math across lines: " + span);
            spans.add(span);
            i = end + (display ? 2 : 1);
        }
        return spans;
    }

    /** {@code s} with each {@code \cmd{...}} group (its braces matched) of the given commands replaced by {@code @}. */
    private static String dropGroups(String s, String... commands) {
        for (String cmd : commands) {
            String open = "\\" + cmd + "{";
            int at;
            while ((at = s.indexOf(open)) >= 0) {
                int depth = 0;
                int end = at + open.length() - 1;
                for (; end < s.length(); end++) {
                    char c = s.charAt(end);
                    if (c == '\\') end++;
                    else if (c == '{') depth++;
                    else if (c == '}' && --depth == 0) break;
                }
                s = s.substring(0, at) + "@" + s.substring(Math.min(end + 1, s.length()));
            }
        }
        return s;
    }

    /** The problems in one math span, or an empty list. */
    static List<String> problems(String span) {
        List<String> p = new ArrayList<>();
        if (span.isBlank()) p.add("empty");
        if (!span.equals(span.strip())) p.add("spaces inside the dollars");
        int depth = 0;
        for (int i = 0; i < span.length() && depth >= 0; i++) {
            char c = span.charAt(i);
            if (c == '\\') i++;
            else if (c == '{') depth++;
            else if (c == '}') depth--;
        }
        if (depth != 0) p.add("unbalanced braces");
        List<String> envs = new ArrayList<>();
        Matcher env = Pattern.compile("\\\\(begin|end)\\{([a-z]+)}").matcher(span);
        while (env.find()) {
            if (env.group(1).equals("begin")) envs.add(env.group(2));
            else if (envs.isEmpty() || !envs.removeLast().equals(env.group(2))) p.add("\\end{" + env.group(2) + "} unmatched");
        }
        if (!envs.isEmpty()) p.add("\\begin{" + envs + "} unclosed");
        Matcher cmd = COMMAND.matcher(span);
        while (cmd.find()) if (!COMMANDS.contains(cmd.group(1))) p.add("unknown command \\" + cmd.group(1));
        String math = dropGroups(span, "text", "mathrm", "operatorname");
        if (math.contains("  ")) p.add("a double space");
        if (Pattern.compile("\\\\[a-zA-Z]+ [_^]").matcher(math).find()) p.add("a space between a command and its sub/superscript");
        String bare = math.replaceAll("\\\\(begin|end)\\{[a-z]+}", " ")
                .replaceAll("\\\\[a-zA-Z]+", " ")
                .replaceAll("_\\{[a-z]{2}}", "_{}");        // index pairs such as w_{ij}
        Matcher word = Pattern.compile("[A-Za-z]{2,}").matcher(bare);
        while (word.find()) p.add("the bare word '" + word.group() + "' (italic letters in LaTeX)");
        return p;
    }

    /** The header rows of the markdown tables (the line above each |---| rule), as cells. */
    static List<List<String>> tableHeaders(String md) {
        List<List<String>> headers = new ArrayList<>();
        String[] lines = md.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].startsWith("|---")) continue;
            String h = lines[i - 1];
            List<String> cells = new ArrayList<>();
            for (String c : h.substring(1, h.length() - 1).split("(?<!\\\\)\\|", -1)) cells.add(c.strip());
            headers.add(cells);
        }
        return headers;
    }

    private static void checkDocument(String name, String md, List<String> failures) {
        for (String span : mathSpans(md, name)) {
            for (String p : problems(span)) failures.add(name + ": " + p + " in $" + span + "$");
        }
        // the markup never leaks outside math
        String prose = md.replaceAll("(?s)\\$\\$.*?\\$\\$|\\$[^$\n]*\\$", "");
        for (String markup : List.of("\\text{", "\\note{", "\\cases{", "\\quad", "\\mathrm", "_{", "^{")) {
            if (prose.contains(markup)) failures.add(name + ": " + markup + " outside math");
        }
        for (List<String> header : tableHeaders(md)) {
            for (String cell : header) {
                if (!cell.startsWith("$")) {
                    if (cell.matches(".*\\b(net|out)\\b.*")) failures.add(name + ": header cell '" + cell + "' outside math");
                    continue;
                }
                for (String unit : List.of("net", "out")) {
                    if (cell.replace("\\mathrm{" + unit + "}", "").matches(".*\\b" + unit + "\\b.*")) {
                        failures.add(name + ": header cell " + cell + " has " + unit + " without \\mathrm");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ tests

    @Test
    void everyMathSpanIsCleanLatexForEveryActivationAndLoss() {
        List<String> failures = new ArrayList<>();
        Set<String> activations = new java.util.HashSet<>();
        Set<Loss> losses = new java.util.HashSet<>();
        int spans = 0;
        boolean sawMathrmHeader = false;
        for (Map.Entry<String, NetworkSpec> e : networks().entrySet()) {
            NetworkSpec spec = e.getValue();
            for (NetworkSpec.Layer l : spec.layers()) activations.add(l.activation().specName());
            losses.add(spec.loss());
            String md = MarkdownRenderer.render(Explainer.solve(spec));
            checkDocument(e.getKey(), md, failures);
            spans += mathSpans(md, e.getKey()).size();
            for (List<String> h : tableHeaders(md)) sawMathrmHeader |= h.stream().anyMatch(c -> c.contains("\\mathrm{net}"));
        }
        assertEquals(Set.copyOf(NetworkSpec.ACTIVATIONS), activations);
        assertEquals(Set.copyOf(NetworkSpec.LOSSES), losses);
        assertTrue(spans > 1000, "math spans checked: " + spans);
        assertTrue(sawMathrmHeader, "some table header names net");
        if (!failures.isEmpty()) fail(failures.size() + " problems, the first 40:\n" + String.join("\n", failures.subList(0, Math.min(40, failures.size()))));
    }

    @Test
    void gradingReportsAreCleanLatexToo() {
        NetworkSpec spec = exercise61();
        StepSolution s = Explainer.solve(spec);
        List<java.util.Map<Field, Written[][]>> answers = GraderTest.full(s);
        answers.get(1).get(Field.NET_GRAD)[0][0] = GraderTest.w(0.058871);   // the softmax coupling left out
        answers.get(0).get(Field.WEIGHTS_UPDATED)[0][0] = GraderTest.w(-0.21);
        String md = MarkdownRenderer.render(Grader.grade(s, new Answers(GraderTest.w(s.loss()), answers)));
        List<String> failures = new ArrayList<>();
        checkDocument("check of exercise 6.1", md, failures);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(md.contains("✗"), md);
    }

    @Test
    void exercise61InMarkdown() {
        String md = MarkdownRenderer.render(Explainer.solve(exercise61()));
        for (String line : List.of(
                "loss: binary_cross_entropy; learning rate $\\eta = 0.1$",
                "$$\\mathrm{net}\\,h_{j} = \\sum_{i} x_{i} \\cdot w_{ij}$$",
                "- $\\mathrm{net}\\,h_{1} = 3 \\cdot (-0.2) + 1 \\cdot (-0.1) + (-1) \\cdot 0.2 + 2 \\cdot 0.2 = -0.5$",
                "$$f(x) = \\begin{cases} x & \\text{if } x > 0 \\\\ \\alpha \\cdot x & \\text{otherwise} \\end{cases} \\quad\\text{(leaky relu)}$$",
                "| unit | $\\mathrm{net}$ | $\\mathrm{out}$ |",
                "$$s_{j} = e^{z_j} / \\sum_{k} e^{z_k} \\quad\\text{(softmax over the layer's units)}$$",
                "$$L = -(1/N) \\cdot \\sum [y \\cdot \\ln(p) + (1 - y) \\cdot \\ln(1 - p)], N = 2 \\quad\\text{(every output of every sample)}$$",
                "- $L = -(1/2) \\cdot [0 \\cdot \\ln(0.117741) + 1 \\cdot \\ln(1 - 0.117741) + 1 \\cdot \\ln(0.882259) + 0 \\cdot \\ln(1 - 0.882259)] = 0.125269$",
                "$$\\partial s_{i}/\\partial z_{j} = s_{i} \\cdot (\\delta_{ij} - s_{j})\\text{: the softmax Jacobian}$$",
                "| unit | $\\partial L/\\partial \\mathrm{out}$ | $f'(\\mathrm{net})$ | $\\partial L/\\partial \\mathrm{net}$ |",
                "$$\\partial L/\\partial \\mathrm{out}\\,h_{i} = \\sum_{j} \\partial L/\\partial \\mathrm{net}\\,o_{j} \\cdot w_{ij} \\quad\\text{(w of layer 2)}$$",
                "$$f'(x) = \\begin{cases} 1 & \\text{if } x > 0 \\\\ \\alpha & \\text{otherwise} \\end{cases}; \\quad\\partial L/\\partial \\mathrm{net}\\,h_{j}"
                        + " = \\partial L/\\partial \\mathrm{out}\\,h_{j} \\cdot f'(\\mathrm{net}\\,h_{j})$$",
                "$$w \\leftarrow w - \\eta \\cdot \\partial L/\\partial w$$")) {
            assertTrue(md.lines().anyMatch(line::equals), "missing line\n" + line + "\nin\n" + md);
        }
    }

    @Test
    void theTextFormKeepsItsUnicodeMath() {
        String t = TextRenderer.render(Explainer.solve(exercise61()));
        for (String line : List.of(
                "    f(x) = x for x > 0, α·x otherwise (leaky relu)",
                "    sⱼ = e^(z_j) / Σₖ e^(z_k) (softmax over the layer's units)",
                "    L = −(1/N)·Σ [y·ln(p) + (1 − y)·ln(1 − p)], N = 2 (every output of every sample)",
                "    ∂sᵢ/∂zⱼ = sᵢ·(δᵢⱼ − sⱼ): the softmax Jacobian",
                "    ∂L/∂out hᵢ = Σⱼ ∂L/∂net oⱼ · wᵢⱼ  (w of layer 2)",
                "    f'(x) = 1 for x > 0, α otherwise;  ∂L/∂net hⱼ = ∂L/∂out hⱼ · f'(net hⱼ)")) {
            assertTrue(t.lines().anyMatch(line::equals), "missing line\n" + line + "\nin\n" + t);
        }
        // no markup anywhere in any text rendering
        for (Map.Entry<String, NetworkSpec> e : networks().entrySet()) {
            String text = TextRenderer.render(Explainer.solve(e.getValue()));
            for (String markup : List.of("\\text", "\\note", "\\cases", "\\quad", "\\mathrm", "_{", "^{", "$")) {
                assertFalse(text.contains(markup), e.getKey() + ": " + markup + " in\n" + text);
            }
        }
    }

    @Test
    void theMarkupInLatexAndInText() {
        assertEquals("f(x) = \\begin{cases} x & \\text{if } x > 0 \\\\ \\alpha \\cdot (e^{x} - 1) & \\text{otherwise} \\end{cases} \\quad\\text{(elu)}",
                Doc.latex("f(x) = \\cases{x}{x > 0}{α*(e^{x} − 1)}\\note{elu}"));
        assertEquals("f(x) = x for x > 0, α·(e^(x) − 1) otherwise (elu)", Doc.text("f(x) = \\cases{x}{x > 0}{α*(e^{x} − 1)}\\note{elu}"));
        assertEquals("\\sum_{\\text{samples}} x_{i}", Doc.latex("Σ_{\\text{samples}} x_{i}"));
        assertEquals("Σₛₐₘₚₗₑₛ xᵢ", Doc.text("Σ_{\\text{samples}} x_{i}"));
        assertEquals("a;  ∂L", Doc.text("a;\\quad∂L"));
        // numbers in scientific notation, roots, functions, commands before letters
        assertEquals("w = -4.05902 \\times 10^{-5}", Doc.latex("w = -4.05902e-5"));
        assertEquals("x/\\sqrt{2} + \\operatorname{erf}(x) + \\ln(p) + \\tanh(x) + \\max(0, x)", Doc.latex("x/√2 + erf(x) + ln(p) + tanh(x) + max(0, x)"));
        assertEquals("\\alpha x + \\alpha(x) + \\partial L/\\partial \\mathrm{net}\\,h_{1}", Doc.latex("αx + α(x) + ∂L/∂net h_{1}"));
        assertEquals("f'(\\mathrm{net})\\,h_{1}", Doc.latex("f'(net) h_{1}"));
        // words left bare still come out upright, with their spaces
        assertEquals("x\\text{ for }x > 0", Doc.latex("x for x > 0"));
        assertEquals("1 (\\text{leaky relu})", Doc.latex("1 (leaky relu)"));
    }

    @Test
    void theCheckerFindsTheOldDefects() {
        assertTrue(problems("f(x) = x for x > 0, \\alpha  \\cdot x otherwise (leaky relu)").stream().anyMatch(p -> p.contains("'for'")));
        assertTrue(problems("s_{j} = e^{z_j} / \\sum _{k} e^{z_k} (softmax over the layer's units)").contains(
                "a space between a command and its sub/superscript"));
        assertTrue(problems("net").stream().anyMatch(p -> p.contains("'net'")));
        assertTrue(problems("\\eta  = 0.1").contains("a double space"));
        assertTrue(problems("\\text{a").contains("unbalanced braces"));
        assertTrue(problems("\\alphax").contains("unknown command \\alphax"));
        assertTrue(problems("\\sum_{\\text{samples}} \\partial L/\\partial \\mathrm{net}\\,h^{(1)}_{j} \\cdot w_{ij}").isEmpty());
    }
}
