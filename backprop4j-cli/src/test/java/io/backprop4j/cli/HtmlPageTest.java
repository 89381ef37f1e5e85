package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.explain.Explainer;
import io.backprop4j.explain.Grader;
import io.backprop4j.explain.HtmlRenderer;
import io.backprop4j.explain.JsonRenderer;
import io.backprop4j.explain.StepSolution;
import io.backprop4j.explain.TextRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * explain --format html and check --format html, read as text (the browser tests read them in
 * Chromium): one element per unit and weight, typeset formulas and no raw TeX, nothing from the
 * network, exactly the wrong numbers marked, for exercise 6.1 and for the 121 fixture networks.
 */
class HtmlPageTest {

    /** The page without its style sheet and scripts: what the attributes and the text are counted in. */
    static String body(String html) {
        StringBuilder sb = new StringBuilder(html.length());
        int at = 0;
        while (true) {
            int style = html.indexOf("<style>", at);
            int script = html.indexOf("<script", at);
            int open = style < 0 ? script : script < 0 ? style : Math.min(style, script);
            if (open < 0) break;
            String close = open == style ? "</style>" : "</script>";
            int end = html.indexOf(close, open);
            sb.append(html, at, open);
            at = end < 0 ? html.length() : end + close.length();
        }
        return sb.append(html, at, html.length()).toString();
    }

    /** Occurrences of {@code regex} in the page's body (the page itself, or its {@link #body}). */
    static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html.contains("</style>") ? body(html) : html);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    private static final Pattern LABEL = Pattern.compile("aria-label=\"([^\"]*)\"");

    /** The words a reader meets: the text between tags, and the text alternatives (aria-label). */
    static String readable(String html) {
        String b = body(html);
        StringBuilder sb = new StringBuilder(b.length());
        boolean inTag = false;
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c == '<') inTag = true;
            else if (c == '>' && inTag) {
                inTag = false;
                sb.append(' ');
            } else if (!inTag) sb.append(c);
        }
        Matcher m = LABEL.matcher(b);
        while (m.find()) sb.append('\n').append(m.group(1));
        return sb.toString().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }

    /** Where raw TeX starts in {@code text} (a command such as \\frac, a brace script _{ or ^{, a dollar), or -1. */
    static int tex(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char d = i + 1 < text.length() ? text.charAt(i + 1) : ' ';
            if (c == '$' || (c == '_' || c == '^') && d == '{' || c == '\\' && (d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z')) return i;
        }
        return -1;
    }

    static void noTexNoNetwork(String what, String html) {
        String r = readable(html);
        int at = tex(r);
        if (at >= 0) throw new AssertionError(what + ": raw TeX: " + r.substring(Math.max(0, at - 60), Math.min(r.length(), at + 60)));
        assertFalse(html.contains("http://") || html.contains("https://"), what + ": a web address in the page");
        assertFalse(NETWORK_PATH.matcher(html).find(), what + ": a network-path reference");
    }

    private static final Pattern NETWORK_PATH = Pattern.compile("(src|href)=\"//");

    /** The JSON block with this id. */
    static String block(String html, String id) {
        Matcher m = Pattern.compile("(?s)<script type=\"application/json\" id=\"" + id + "\">(.*?)</script>").matcher(html);
        assertTrue(m.find(), "no JSON block " + id);
        return m.group(1).replaceFirst("^\\n", "").replace("\\u003c", "<");
    }

    @SuppressWarnings("unchecked")
    static int[] shape(Map<String, Object> spec) {
        List<Map<String, Object>> layers = (List<Map<String, Object>>) spec.get("layers");
        int[] s = new int[layers.size() + 1];
        for (int l = 0; l < layers.size(); l++) {
            List<Object> w = (List<Object>) layers.get(l).get("weights");
            if (l == 0) s[0] = w.size();
            s[l + 1] = ((List<Object>) w.get(0)).size();
        }
        return s;
    }

    static int units(int[] shape) {
        int n = 0;
        for (int v : shape) n += v;
        return n;
    }

    static int weights(int[] shape) {
        int n = 0;
        for (int k = 1; k < shape.length; k++) n += shape[k - 1] * shape[k];
        return n;
    }

    // ------------------------------------------------------------------------------ networks with image layers

    /** Per stage of a spec with image layers, the shape of one sample: the input's, then each layer's output ([C, H, W] or [n]). */
    @SuppressWarnings("unchecked")
    static List<int[]> convShapes(Map<String, Object> spec) {
        List<int[]> out = new ArrayList<>();
        int[] d = dims(spec.get("input"));
        int[] shape = d.length == 4 ? new int[] {d[1], d[2], d[3]} : d;
        out.add(shape);
        for (Map<String, Object> l : (List<Map<String, Object>>) spec.get("layers")) {
            switch ((String) l.getOrDefault("type", "dense")) {
                case "conv2d" -> {
                    int[] k = dims(l.get("weights"));
                    int st = ((Number) l.getOrDefault("stride", 1)).intValue();
                    int pad = ((Number) l.getOrDefault("padding", 0)).intValue();
                    shape = new int[] {k[0], (shape[1] + 2 * pad - k[2]) / st + 1, (shape[2] + 2 * pad - k[3]) / st + 1};
                }
                case "max_pool2d", "avg_pool2d" -> {
                    int k = ((Number) l.get("kernel")).intValue();
                    int st = ((Number) l.getOrDefault("stride", k)).intValue();
                    shape = new int[] {shape[0], (shape[1] - k) / st + 1, (shape[2] - k) / st + 1};
                }
                case "flatten" -> shape = new int[] {shape[0] * shape[1] * shape[2]};
                default -> shape = new int[] {dims(l.get("weights"))[1]};
            }
            out.add(shape);
        }
        return out;
    }

    /** Every element of nested lists, in order. */
    static List<Object> flat(Object nested) {
        List<Object> out = new ArrayList<>();
        if (nested instanceof List<?> l) for (Object x : l) out.addAll(flat(x));
        else out.add(nested);
        return out;
    }

    /** The sizes of nested lists, outermost first. */
    static int[] dims(Object nested) {
        List<Integer> d = new ArrayList<>();
        for (Object at = nested; at instanceof List<?> l; at = l.get(0)) d.add(l.size());
        return d.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The cells and units a drawing of a spec with image layers has: every value of every stage, the input's too. */
    static int convUnits(Map<String, Object> spec) {
        int n = 0;
        for (int[] s : convShapes(spec)) {
            int k = 1;
            for (int v : s) k *= v;
            n += k;
        }
        return n;
    }

    /** Its weights: every kernel's and every dense layer's. */
    @SuppressWarnings("unchecked")
    static int convWeights(Map<String, Object> spec) {
        int n = 0;
        for (Map<String, Object> l : (List<Map<String, Object>>) spec.get("layers")) {
            if (!l.containsKey("weights")) continue;
            int k = 1;
            for (int v : dims(l.get("weights"))) k *= v;
            n += k;
        }
        return n;
    }

    /**
     * The drawing's key of a graded number's path: "L,c,y,x" for a feature-map cell, "L,k" or "L,j" for a
     * flatten cell or a unit, "L,o,c,u,v" or "L,i,j" for a weight (its gradient or update); null for the
     * loss and biases. A batched per-sample path loses its sample.
     */
    static String drawingKey(String path, boolean batched) {
        Matcher m = Pattern.compile("^layers\\[(\\d+)\\]\\.(\\w+)((?:\\[\\d+\\])+)$").matcher(path);
        if (!m.find() || m.group(2).startsWith("bias")) return null;
        List<String> idx = new ArrayList<>(List.of(m.group(3).substring(1, m.group(3).length() - 1).split("\\]\\[")));
        boolean perSample = !m.group(2).startsWith("weights");
        if (perSample && batched) idx.removeFirst();
        return m.group(1) + "," + String.join(",", idx);
    }

    /** The keys of the cells, units and weights the drawing outlines as wrong. */
    static Set<String> outlined(String html) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("<g class=\"(?:cell|kcell|unit|edge)[^\"]* wrong[^\"]*\" data-(?:unit|weight)=\"([^\"]+)\"").matcher(body(html));
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** The spec of a person who misread the first weight of the first layer (0.25 too large), a kernel's as a dense one's. */
    @SuppressWarnings("unchecked")
    static Path convMisreadSpec(Path dir, Map<String, Object> fixture, String name) throws Exception {
        Map<String, Object> spec = (Map<String, Object>) Json.parse(Json.write(fixture.get("spec")), name);
        List<Object> at = (List<Object>) ((List<Map<String, Object>>) spec.get("layers")).get(0).get("weights");
        while (at.get(0) instanceof List<?>) at = (List<Object>) at.get(0);
        at.set(0, ((Number) at.get(0)).doubleValue() + 0.25);
        Path misread = dir.resolve(name.replace('/', '_') + "-misread.json");
        Files.writeString(misread, Json.write(spec));
        return misread;
    }

    static Path convMisreadAnswers(Path dir, Map<String, Object> fixture, String name) throws Exception {
        CliRun r = CliRun.of("explain", convMisreadSpec(dir, fixture, name).toString(), "--format", "json");
        assertEquals(0, r.status(), r.err());
        Path answers = dir.resolve(name.replace('/', '_') + "-answers.json");
        Files.writeString(answers, r.out());
        return answers;
    }

    static final Path CONV = ConvExplainCommandTest.EXAMPLE;
    static final Path CONV_ANSWERS = Path.of("../backprop4j-examples/conv/conv-step-answers.yaml");

    @Test
    @SuppressWarnings("unchecked")
    void pagesOfTheConvExample() throws Exception {
        String html = run("explain", CONV.toString(), "--format", "html");
        Map<String, Object> spec = (Map<String, Object>) Json.parse(block(html, "spec"), "spec");
        // 1 x 4 x 4 in, 2 x 3 x 3 conv, 2 x 2 x 2 max pool, flatten 8, dense 2; kernels 2 x 1 x 2 x 2, dense 8 x 2
        assertEquals(16 + 18 + 8 + 8 + 2, convUnits(spec));
        assertEquals(52, count(html, " data-unit=\""));
        assertEquals(16, count(html, " data-unit=\"in,"));
        assertEquals(8 + 16, count(html, " data-weight=\""));
        assertEquals(8, count(html, "<g class=\"kcell"));
        assertEquals(8, count(html, " data-pool=\""));
        assertTrue(count(html, "<math[ >]") >= 20);
        noTexNoNetwork("conv example", html);
        assertEquals(run("explain", CONV.toString(), "--format", "json"), block(html, "solution"));

        String check = run("check", CONV.toString(), CONV_ANSWERS.toString(), "--format", "html");
        String json = run("check", CONV.toString(), CONV_ANSWERS.toString(), "--format", "json");
        Set<String> wrong = wrongPaths(json);
        assertEquals(20, wrong.size(), "the planted mistakes and what they carry over");
        assertEquals(wrong, markedWrong(check));
        noTexNoNetwork("conv check", check);
        Set<String> keys = new TreeSet<>();
        for (String p : wrong) if (drawingKey(p, false) != null) keys.add(drawingKey(p, false));
        assertTrue(keys.contains("0,0,0,0") && keys.contains("0,0,0,0,0"), keys.toString());
        assertEquals(keys, outlined(check), "the drawing outlines exactly the cells and weights of the wrong numbers");
    }

    @Test
    @SuppressWarnings("unchecked")
    void convFixtureNetworks(@TempDir Path dir) throws Exception {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(ExplainConvFixtureTest.FIXTURE), "fixtures");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        int pages = 0;
        for (int k = 0; k < cases.size(); k += 3) {
            Map<String, Object> c = cases.get(k);
            String name = (String) c.get("name");
            Map<String, Object> spec = (Map<String, Object>) c.get("spec");
            StepSolution s = Explainer.solve(SpecYaml.readSpec(Json.write(spec), name).value());
            String html = HtmlRenderer.render(s);
            String b = body(html);
            assertEquals(convUnits(spec), count(b, " data-unit=\""), name);
            assertEquals(convWeights(spec), count(b, " data-weight=\""), name);
            noTexNoNetwork(name, html);
            StepSolution theirs = Explainer.solve(SpecYaml.readSpec(Files.readString(convMisreadSpec(dir, c, name)), name).value());
            Grader.Report report = Grader.grade(s, SpecYaml.readAnswers(JsonRenderer.render(theirs), name).value());
            String page = HtmlRenderer.render(report);
            Set<String> wrong = wrongPaths(JsonRenderer.render(report));
            assertFalse(wrong.isEmpty(), name);
            assertEquals(wrong, markedWrong(page), name);
            Set<String> keys = new TreeSet<>();
            for (String p : wrong) if (drawingKey(p, s.spec().batched()) != null) keys.add(drawingKey(p, s.spec().batched()));
            assertEquals(keys, outlined(page), name);
            noTexNoNetwork(name + " check", page);
            pages++;
        }
        assertEquals(20, pages);
    }

    /** Six significant digits (as printf's %.6g), trailing zeros dropped: how the pages print numbers. */
    static String six(double v) {
        if (v == 0) return "0";
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.valueOf((long) v);
        String[] p = String.format(java.util.Locale.ROOT, "%.6g", v).split("e");
        String m = p[0].contains(".") ? p[0].replaceAll("0+$", "").replaceAll("\\.$", "") : p[0];
        return p.length == 1 ? m : m + "e" + Integer.parseInt(p[1]);
    }

    /** The spec of a person who misread the first weight (w₁₁ of layer 1, 0.25 too large). */
    @SuppressWarnings("unchecked")
    static Path misreadSpec(Path dir, Map<String, Object> fixture, String name) throws Exception {
        Map<String, Object> spec = (Map<String, Object>) Json.parse(Json.write(fixture.get("spec")), name);
        List<Object> row = (List<Object>) ((List<Object>) ((List<Map<String, Object>>) spec.get("layers")).get(0).get("weights")).get(0);
        row.set(0, ((Number) row.get(0)).doubleValue() + 0.25);
        Path misread = dir.resolve(name + "-misread.json");
        Files.writeString(misread, Json.write(spec));
        return misread;
    }

    /** The answers of that person, who worked everything else correctly: explain's JSON of the misread network. */
    static Path misreadAnswers(Path dir, Map<String, Object> fixture, String name) throws Exception {
        CliRun r = CliRun.of("explain", misreadSpec(dir, fixture, name).toString(), "--format", "json");
        assertEquals(0, r.status(), r.err());
        Path answers = dir.resolve(name + "-answers.json");
        Files.writeString(answers, r.out());
        return answers;
    }

    private static String run(String... args) {
        CliRun r = CliRun.of(args);
        assertTrue(r.status() == 0 || r.status() == 1, String.join(" ", args) + ": " + r.err());
        return r.out();
    }

    @Test
    void explainPageOfExercise61() {
        String html = run("explain", "--format", "html");
        assertEquals(9, count(html, " data-unit=\""));
        assertEquals(18, count(html, " data-weight=\""));
        assertEquals(4, count(html, " data-unit=\"in,"));
        int formulas = count(html, "<math[ >]");
        assertTrue(formulas >= 20, "typeset formulas: " + formulas);
        noTexNoNetwork("exercise 6.1", html);
        for (String anchor : List.of("forward", "loss", "backward", "update", "chain")) {
            assertEquals(1, count(html, "<section id=\"" + anchor + "\""), anchor);
            assertTrue(html.contains("<a href=\"#" + anchor + "\">"), "the stepper links to " + anchor);
        }
        assertEquals(run("explain", "--format", "json"), block(html, "solution"), "the solution's JSON is embedded");
        assertTrue(html.startsWith("<!DOCTYPE html>"));
    }

    @Test
    void theEmbeddedSpecIsASpecExplainReads(@TempDir Path dir) throws Exception {
        String html = run("explain", "--format", "html");
        Path spec = dir.resolve("from-page.json");
        Files.writeString(spec, block(html, "spec"));
        assertEquals(run("explain", "--format", "json"), run("explain", spec.toString(), "--format", "json"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void checkPageOfTheHandSolution(@TempDir Path dir) throws Exception {
        Path spec = CheckCommandTest.seed(dir);
        Path answers = CheckCommandTest.seedAnswers(dir);
        String html = run("check", spec.toString(), answers.toString(), "--format", "html");
        assertEquals(41, count(html, " data-correct=\"false\""));
        assertEquals(13, count(html, " data-correct=\"true\""));
        noTexNoNetwork("check 6.1", html);
        String json = run("check", spec.toString(), answers.toString(), "--format", "json");
        assertEquals(json, block(html, "report"), "the report's JSON is embedded");
        assertEquals(wrongPaths(json), markedWrong(html));
        assertTrue(html.contains("<p class=\"verdict-line\">4 mistakes (6 numbers); 35 numbers carried over from them.</p>"));
        assertEquals(4, count(html, "<li id=\"mistake-\\d+\">"));
        assertTrue(html.contains("<span class=\"badge\">first mistake</span> <a href=\"#n-layers-1-net_grad-0\">"));
        // the diagram still has one element per unit and weight
        assertEquals(9, count(html, " data-unit=\""));
        assertEquals(18, count(html, " data-weight=\""));
    }

    @SuppressWarnings("unchecked")
    static Set<String> wrongPaths(String reportJson) {
        Set<String> out = new TreeSet<>();
        Map<String, Object> root = (Map<String, Object>) Json.parse(reportJson, "report");
        for (Map<String, Object> e : (List<Map<String, Object>>) root.get("entries")) {
            if (!(Boolean) e.get("correct")) out.add((String) e.get("path"));
        }
        return out;
    }

    static Set<String> markedWrong(String html) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("data-path=\"([^\"]+)\" data-correct=\"false\"").matcher(body(html));
        while (m.find()) assertTrue(out.add(m.group(1)), "marked twice: " + m.group(1));
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyFixtureNetwork(@TempDir Path dir) throws Exception {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(ExplainFixtureTest.FIXTURE), "fixtures");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        assertEquals(121, cases.size());
        int checked = 0;
        int carried = 0;

        for (Map<String, Object> c : cases) {
            // through the command's own reader and renderers, without a command line per page (121 networks)
            String name = (String) c.get("name");
            int[] shape = shape((Map<String, Object>) c.get("spec"));
            StepSolution s = Explainer.solve(SpecYaml.readSpec(Json.write(c.get("spec")), name).value());
            String html = HtmlRenderer.render(s);
            String b = body(html);
            assertEquals(units(shape), count(b, " data-unit=\""), name);
            assertEquals(shape[0], count(b, " data-unit=\"in,"), name);
            assertEquals(weights(shape), count(b, " data-weight=\""), name);
            assertTrue(count(b, "<math[ >]") >= 20, name + ": formulas " + count(b, "<math[ >]"));
            noTexNoNetwork(name, html);
            assertEquals(JsonRenderer.render(s), block(html, "solution"), name);

            StepSolution theirs = Explainer.solve(SpecYaml.readSpec(Files.readString(misreadSpec(dir, c, name)), name).value());
            Grader.Report report = Grader.grade(s, SpecYaml.readAnswers(JsonRenderer.render(theirs), name).value());
            String json = JsonRenderer.render(report);
            String page = HtmlRenderer.render(report);
            Set<String> wrong = wrongPaths(json);
            assertEquals(wrong, markedWrong(page), name);
            assertEquals(report.entries().size() - wrong.size(), count(body(page), " data-correct=\"true\""), name);
            noTexNoNetwork(name + " check", page);
            // the summary says what the text's Mistakes section says
            String text = TextRenderer.render(report);
            Matcher verdict = Pattern.compile("<p class=\"verdict-line\">([^<]*)</p>").matcher(page);
            if (wrong.isEmpty()) {
                assertTrue(page.contains("No mistakes found."), name);
            } else {
                assertTrue(verdict.find(), name);
                assertTrue(text.contains("\n  " + verdict.group(1) + "\n"), name + ": " + verdict.group(1));
                assertEquals(report.causes().size(), count(page, "<li id=\"mistake-\\d+\">"), name);
                checked++;
                if (verdict.group(1).contains("carried over")) carried++;
            }
        }
        assertTrue(checked > 100, "networks with mistakes found: " + checked);
        assertTrue(carried > 80, "networks with numbers carried over: " + carried);
    }

    @Test
    void theChecksThemselvesCatchRawTexAndWebAddresses() {
        for (String bad : List.of("<p>net h_{1} = 0.5</p>", "<p>$x$</p>", "<p>\\frac{1}{2}</p>", "<g aria-label=\"w^{2}\"></g>",
                "<img src=\"https://example.org/a.png\">", "<link href=\"//cdn.example.org/k.css\">")) {
            assertThrows(AssertionError.class, () -> noTexNoNetwork("planted", bad), bad);
        }
        noTexNoNetwork("clean", "<style>a{}</style><p>net h₁ = 0.5 <math><msub><mi>h</mi><mn>1</mn></msub></math></p><script>x_{1}</script>");
    }

    @Test
    void aBadSpecGetsTheSameMessageInEveryFormat(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "input: [1, 2]\ntarget: [1]\nlayers:\n  - weights: [[0.5], [0.1, 0.2]]\n    activation: sigmoid\nloss: mse\n");
        CliRun text = CliRun.of("explain", bad.toString());
        CliRun html = CliRun.of("explain", bad.toString(), "--format", "html");
        assertEquals(2, html.status());
        assertEquals(text.err(), html.err());
        assertTrue(html.noStackTrace(), html.err());
        assertEquals("", html.out());
    }

    @Test
    void outWritesTheFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("page.html");
        CliRun r = CliRun.of("explain", "--format", "html", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
        assertEquals(run("explain", "--format", "html"), Files.readString(out));
        List<String> left = new ArrayList<>();
        try (var files = Files.list(dir)) {
            files.forEach(p -> left.add(p.getFileName().toString()));
        }
        assertEquals(List.of("page.html"), left, "no temporary file left behind");
    }
}
