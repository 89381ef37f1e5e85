package io.backprop4j.explain;

import static io.backprop4j.explain.MathMl.escape;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the HTML page of a worked step ({@link HtmlRenderer}): the worked solution of
 * {@link ExplainDoc} with every formula as MathML, the network drawing ({@link Diagram}), the
 * chain rule per weight ({@link ChainRule}), and, on the check page, the person's numbers in place
 * with their marks; on the workbench page, a field for every number.
 */
final class HtmlPage {
    enum Mode { EXPLAIN, CHECK, WORKBENCH }

    /** Quantities with more numbers than this get no answer fields on the workbench page. */
    static final int MAX_FIELDS = 400;
    /** Weights beyond this many get no chain-rule panel of their own. */
    static final int MAX_CHAINS = 400;

    private final StepSolution s;
    private final NetworkSpec spec;
    private final Grader.Report report;
    private final Mode mode;
    private final int last;
    private final Map<String, Grader.Entry> entries = new HashMap<>();
    private final Set<String> quantities = new HashSet<>();
    private final List<Grader.Cause> causes;
    /** The 1-based number of the cause each wrong path belongs to. */
    private final Map<String, Integer> causeOf = new HashMap<>();

    HtmlPage(StepSolution s, Grader.Report report, Mode mode) {
        this.s = s;
        this.spec = s.spec();
        this.report = report;
        this.mode = mode;
        this.last = spec.layers().size() - 1;
        this.causes = report == null ? List.of() : report.causes();
        if (report != null) {
            for (Grader.Entry e : report.entries()) {
                entries.put(e.path(), e);
                quantities.add(e.quantity());
            }
            for (int k = 0; k < causes.size(); k++) {
                for (Grader.Entry e : causes.get(k).numbers()) causeOf.put(e.path(), k + 1);
                for (Grader.Entry e : causes.get(k).carried()) causeOf.put(e.path(), k + 1);
            }
        }
    }

    /** MathML of markup already converted on this page (the chain rule repeats many lines). */
    private final Map<String, String> inlineMath = new HashMap<>();
    private final Map<String, String> blockMath = new HashMap<>();

    private String math(String markup) {
        return inlineMath.computeIfAbsent(markup, MathMl::inline);
    }

    private String mathBlock(String markup) {
        return blockMath.computeIfAbsent(markup, MathMl::block);
    }

    // ------------------------------------------------------------------------------ names

    /** The markup name of input i of layer l: x_{i} for the network's input, else out h_{i}. */
    static String inputName(NetworkSpec spec, int l, int i) {
        if (l > 0 && spec.layers().get(l - 1).kind() == NetworkSpec.Kind.RNN) return RnnDoc.state(spec.steps() - 1, i);
        return l == 0 ? Doc.sub("x", i) : "out " + Doc.sub(ExplainDoc.unitName(l - 1, spec.layers().size() - 1), i);
    }

    /** The markup name of weight (l, i, j): w_{ij}, with the layer as a superscript when there are several. */
    static String weightName(NetworkSpec spec, int l, int i, int j) {
        return Doc.sub(spec.layers().size() == 1 ? "w" : "w^{(" + (l + 1) + ")}", i, j);
    }

    /** The path of a number as the grader names it. */
    private String path(int l, Field f, int r, int c) {
        if (f == null) return "loss";
        return Grader.path(spec, l, f, r, c, s.layers().get(l).get(f)[0].length);
    }

    /** A column's name in a grid of answers: the unit (dense), the position in the feature map, or the kernel tap. */
    private String columnName(int l, Field f, String u, int j) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        if (f.bias() || layer.kind() == NetworkSpec.Kind.DENSE) return Doc.sub(u, j);
        if (layer.kind() == NetworkSpec.Kind.RNN) return f.perSample() ? RnnDoc.state(j / layer.hidden(), j % layer.hidden()) : "w_{·," + (j + 1) + "}";
        if (!f.perSample()) {
            int[] k = layer.kernel();
            return "w_{·," + (j / (k[2] * k[3]) + 1) + "," + (j / k[3] % k[2] + 1) + "," + (j % k[3] + 1) + "}";
        }
        int[] os = spec.outShape(l);
        return os.length == 3 ? ConvDoc.at(u, j / (os[1] * os[2]), j / os[2] % os[1], j % os[2]) : Doc.sub(u, j);
    }

    /** A row's name in a grid of answers of a weights field: the input (dense) or the filter. */
    private String rowName(int l, int r) {
        NetworkSpec.Kind k = spec.layers().get(l).kind();
        return k == NetworkSpec.Kind.CONV2D ? "filter " + (r + 1) : k == NetworkSpec.Kind.RNN ? "unit " + (r + 1) : math(inputName(spec, l, r));
    }

    /** An id for a number's element: {@code n-layers-1-net_grad-0}. */
    static String id(String path) {
        StringBuilder sb = new StringBuilder("n-");
        boolean gap = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
                if (gap) sb.append('-');
                sb.append(c);
                gap = false;
            } else {
                gap = true;
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------ page

    /** The whole page; {@code controls} and {@code script} (workbench) go before the content and after the page script. */
    String page(String controls, String script) {
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"color-scheme\" content=\"light\">\n")
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<title>").append(escape(title())).append(" · backprop4j</title>\n")
                .append("<style>\n").append(resource("page.css")).append("</style>\n</head>\n")
                .append("<body data-mode=\"").append(mode.name().toLowerCase(java.util.Locale.ROOT)).append("\">\n")
                .append("<a class=\"skip\" href=\"#forward\">Skip to the worked solution</a>\n");
        if (controls != null) sb.append(controls).append('\n');
        sb.append("<main id=\"page\">\n").append(main()).append("</main>\n");
        sb.append("<script>\n").append(resource("page.js")).append("</script>\n");
        if (script != null) sb.append("<script>\n").append(script).append("</script>\n");
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    private String title() {
        return (mode == Mode.CHECK ? "Check: " : "") + Diagram.title(spec).replaceFirst("^The ", "One training step of a ");
    }

    /** The content of {@code <main>}: everything that changes with the spec. */
    String main() {
        StringBuilder sb = new StringBuilder(1 << 16);
        Doc doc = ExplainDoc.build(s);
        List<Doc.Line> lines = doc.lines();
        int firstStep = 0;
        while (firstStep < lines.size() && !(lines.get(firstStep).kind() == Doc.Kind.MARK && lines.get(firstStep).text().startsWith("step "))) {
            firstStep++;
        }
        // the introduction
        sb.append("<header class=\"top\">\n");
        for (Doc.Line l : lines.subList(0, firstStep)) {
            if (l.kind() == Doc.Kind.HEADING) sb.append("<h1>").append(mode == Mode.CHECK ? "Check: " : "").append(escape(l.text().replace("$", ""))).append("</h1>\n");
            else line(sb, l);
        }
        stepper(sb, lines);
        sb.append("</header>\n");
        if (mode == Mode.CHECK) summary(sb);
        if (mode == Mode.WORKBENCH) {
            sb.append("<section id=\"summary\" class=\"summary\" aria-live=\"polite\"><p>Type your numbers into the fields beside each step: "
                    + "each is graded as you type, to the precision you write it.</p></section>\n");
        }
        network(sb);
        // the steps
        boolean inSection = false;
        boolean inLayer = false;
        boolean inList = false;
        for (Doc.Line l : lines.subList(firstStep, lines.size())) {
            if (inList && l.kind() != Doc.Kind.EQUATION) {
                sb.append("</ul>\n");
                inList = false;
            }
            if (l.kind() == Doc.Kind.MARK) {
                String[] m = l.text().split(" ");
                switch (m[0]) {
                    case "step" -> {
                        if (inLayer) sb.append("</div>\n");
                        if (inSection) sb.append("</section>\n");
                        sb.append("<section id=\"").append(m[1]).append("\" class=\"step\" data-step=\"").append(m[1]).append("\">\n");
                        inSection = true;
                        inLayer = false;
                    }
                    case "layer" -> {
                        if (inLayer) sb.append("</div>\n");
                        sb.append("<div class=\"layer\" id=\"").append(m[1]).append("-layer-").append(m[2]).append("\">\n");
                        inLayer = true;
                    }
                    case "answers" -> answers(sb, m[1], m.length > 2 ? Integer.parseInt(m[2]) : -1);
                    default -> { }
                }
                continue;
            }
            if (l.kind() == Doc.Kind.HEADING) {
                sb.append("<h2>").append(escape(l.text().replace("$", ""))).append("</h2>\n");
                continue;
            }
            if (l.kind() == Doc.Kind.EQUATION && !inList) {
                sb.append("<ul class=\"eqs\">\n");
                inList = true;
            }
            line(sb, l);
        }
        if (inList) sb.append("</ul>\n");
        if (inLayer) sb.append("</div>\n");
        if (inSection) sb.append("</section>\n");
        chains(sb);
        json(sb, "spec", specJson());
        json(sb, "solution", JsonRenderer.render(s));
        if (report != null) json(sb, "report", JsonRenderer.render(report));
        return sb.toString();
    }

    private void stepper(StringBuilder sb, List<Doc.Line> lines) {
        sb.append("<nav class=\"stepper\" aria-label=\"The steps\">\n<button type=\"button\" class=\"prev\" hidden aria-label=\"Previous step\">◀</button>\n<ol>\n");
        boolean next = false;
        for (Doc.Line l : lines) {
            if (l.kind() == Doc.Kind.MARK && l.text().startsWith("step ")) {
                next = true;
                sb.append("<li><a href=\"#").append(l.text().substring(5)).append("\">");
            } else if (next && l.kind() == Doc.Kind.HEADING) {
                sb.append(escape(l.text().replace("$", "").replaceFirst(" \\(.*", "").replaceFirst(":.*", ""))).append("</a></li>\n");
                next = false;
            }
        }
        sb.append("<li><a href=\"#chain\">Chain rule per weight</a></li>\n");
        sb.append("</ol>\n<button type=\"button\" class=\"next\" hidden aria-label=\"Next step\">▶</button>\n</nav>\n");
    }

    /** One line of the worked solution (equations inside the list opened by the caller). */
    private void line(StringBuilder sb, Doc.Line l) {
        switch (l.kind()) {
            case HEADING -> sb.append("<h2>").append(escape(l.text().replace("$", ""))).append("</h2>\n");
            case SUBHEADING -> sb.append("<h3>").append(inline(l.text())).append("</h3>\n");
            case PROSE -> sb.append("<p>").append(inline(l.text())).append("</p>\n");
            case FORMULA -> sb.append("<div class=\"formula\">").append(mathBlock(l.text())).append("</div>\n");
            case EQUATION -> sb.append("<li>").append(math(l.text())).append("</li>\n");
            case TABLE -> table(sb, l);
            case ITEM -> sb.append("<p class=\"item\">").append(inline(l.text())).append("</p>\n");
            case BLANK, MARK -> { }
        }
    }

    /** Prose: {@code $...$} as inline math, the rest as text. */
    String inline(String s) {
        StringBuilder sb = new StringBuilder();
        String[] parts = s.split("\\$", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i % 2 == 1) sb.append(math(parts[i]));
            else sb.append(escape(parts[i].replace("*", "·")));
        }
        return sb.toString();
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("-?[0-9.]+(e-?[0-9]+)?");

    private void table(StringBuilder sb, Doc.Line l) {
        sb.append("<div class=\"scroll\"><table class=\"values\">\n<thead><tr>");
        for (String h : l.header()) sb.append("<th scope=\"col\">").append(cell(h)).append("</th>");
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : l.rows()) {
            sb.append("<tr>");
            for (int j = 0; j < r.size(); j++) {
                String c = r.get(j);
                if (j == 0) sb.append("<th scope=\"row\">").append(cell(c)).append("</th>");
                else sb.append(NUMBER.matcher(c).matches() ? "<td class=\"num\">" : "<td>").append(cell(c)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div>\n");
    }

    /** A table cell: math where the markup says so ({@link Doc#mathCell}), else text. */
    String cell(String c) {
        if (Doc.mathCell(c)) return math(c);
        return escape(Doc.text(c.replace(" \\ ", " ╲ ")));
    }

    // ------------------------------------------------------------------------------ the network

    private void network(StringBuilder sb) {
        sb.append("<section id=\"network\" class=\"network\" aria-labelledby=\"network-h\">\n<h2 id=\"network-h\">The network</h2>\n");
        if (spec.sequence()) {
            sb.append("<p>A recurrent network is not drawn: its states step by step, and backprop through time with each step's "
                    + "contribution to each weight's gradient, are in the steps below.</p>\n</section>\n");
            return;
        }
        boolean conv = !spec.dense();
        if (!Diagram.drawable(spec)) {
            if (conv) {
                sb.append("<p>This network is too large to draw (more than ").append(ConvDiagram.MAX_CELLS).append(" feature-map cells, a flatten of more than ")
                        .append(ConvDiagram.MAX_FLAT).append(", more than ").append(Diagram.MAX_UNITS).append(" units in a layer or ")
                        .append(Diagram.MAX_WEIGHTS).append(" weights): every value is in the steps below.</p>\n</section>\n");
            } else {
                sb.append("<p>This network is too large to draw (more than ").append(Diagram.MAX_UNITS).append(" units in a layer or ")
                        .append(Diagram.MAX_WEIGHTS).append(" weights): every value is in the steps below.</p>\n</section>\n");
            }
            return;
        }
        sb.append("<div class=\"controls\" role=\"group\" aria-label=\"What the drawing shows\">\n<fieldset class=\"view\"><legend>")
                .append(conv ? "The drawing shows" : "Weights show").append("</legend>");
        if (conv) {
            sb.append("<label><input type=\"radio\" name=\"view\" value=\"w\" checked> the values: weights <i>w</i>, outputs</label>")
                    .append("<label><input type=\"radio\" name=\"view\" value=\"g\"> the gradients ∂<i>L</i>/∂<i>w</i>, ∂<i>L</i>/∂net</label>");
            if (spec.learningRate() != null) sb.append("<label><input type=\"radio\" name=\"view\" value=\"u\"> the updated weights</label>");
        } else {
            sb.append("<label><input type=\"radio\" name=\"view\" value=\"w\" checked> the weight <i>w</i></label>")
                    .append("<label><input type=\"radio\" name=\"view\" value=\"g\"> the gradient ∂<i>L</i>/∂<i>w</i></label>");
            if (spec.learningRate() != null) sb.append("<label><input type=\"radio\" name=\"view\" value=\"u\"> the updated weight</label>");
        }
        sb.append("</fieldset>\n");
        if (spec.batch() > 1) {
            sb.append("<label class=\"sample\">Sample <select name=\"sample\">");
            for (int b = 0; b < spec.batch(); b++) sb.append("<option value=\"").append(b).append("\">").append(b + 1).append("</option>");
            sb.append("</select></label>\n");
        }
        sb.append("<label class=\"labels\"><input type=\"checkbox\" name=\"labels\"> every weight's value</label>\n");
        sb.append("</div>\n");
        Set<String> wrongUnits = new HashSet<>();
        Set<String> wrongWeights = new HashSet<>();
        if (report != null) {
            for (Grader.Entry e : report.entries()) {
                if (e.correct() || e.field() == null) continue;
                if (e.field().perSample()) wrongUnits.add(ConvDiagram.unitKey(spec, e.layer(), e.col()));
                else if (!e.field().bias()) wrongWeights.add(ConvDiagram.weightKey(spec, e.layer(), e.row(), e.col()));
            }
        }
        sb.append("<div class=\"diagram-row\">\n<figure class=\"diagram\">\n<div class=\"scroll\">").append(Diagram.svg(s, wrongUnits, wrongWeights))
                .append("</div>\n<figcaption>").append(escape(Diagram.description(spec)))
                .append(spec.batch() > 1 ? " Units show sample 1 unless another is chosen." : "")
                .append(mode == Mode.CHECK ? (conv ? " Cells, units and weights" : " Units and weights") + " where one of your numbers is wrong are outlined in red." : "")
                .append("</figcaption>\n</figure>\n");
        sb.append("<aside id=\"chain-panel\" class=\"chain-panel\" aria-live=\"polite\" aria-labelledby=\"chain-panel-h\">\n")
                .append("<h3 id=\"chain-panel-h\">The chain rule for one weight</h3>\n<div class=\"panel-body\">");
        if (conv) {
            sb.append("<p>Select a weight in the drawing (click it, or Tab to the drawing, move with the arrow keys and press Enter). A kernel "
                    + "weight lights up the input cells and the ∂L/∂net cells whose products sum to its gradient, and the sum is worked out here "
                    + "with the numbers; a dense weight lights up its path from the loss. A pooling cell shows its window and, for a max, the "
                    + "input that won it. Escape clears.</p>");
        } else {
            sb.append("<p>Select a weight in the drawing (click it, or Tab to the drawing, move with the arrow keys and press Enter): its path "
                    + "from the loss back to it lights up, and its gradient is worked out here with the numbers. Escape clears.</p>");
        }
        sb.append("</div>\n</aside>\n</div>\n");
        diagramTable(sb);
        sb.append("</section>\n");
    }

    /** The drawing as a table: the text alternative, and the values without a script. */
    private void diagramTable(StringBuilder sb) {
        sb.append("<details class=\"diagram-table\"><summary>The drawing as a table</summary>\n<div class=\"scroll\"><table class=\"values\">\n")
                .append("<thead><tr><th scope=\"col\">weight</th><th scope=\"col\">from</th><th scope=\"col\">to</th><th scope=\"col\">w</th>")
                .append("<th scope=\"col\">∂L/∂w</th>").append(spec.learningRate() != null ? "<th scope=\"col\">updated</th>" : "")
                .append("</tr></thead>\n<tbody>\n");
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            StepSolution.LayerStep st = s.layers().get(l);
            if (layer.kind() == NetworkSpec.Kind.CONV2D) {
                kernelRows(sb, l);
                continue;
            }
            if (layer.kind() != NetworkSpec.Kind.DENSE) continue;
            for (int i = 0; i < layer.inputs(); i++) {
                for (int j = 0; j < layer.units(); j++) {
                    sb.append("<tr><th scope=\"row\">").append(math(weightName(spec, l, i, j))).append("</th><td>")
                            .append(math(inputName(spec, l, i))).append("</td><td>")
                            .append(math("net " + Doc.sub(ExplainDoc.unitName(l, last), j))).append("</td><td class=\"num\">")
                            .append(Doc.num(layer.weights()[i][j])).append("</td><td class=\"num\">").append(Doc.num(st.weightsGrad()[i][j]))
                            .append("</td>");
                    if (st.weightsUpdated() != null) sb.append("<td class=\"num\">").append(Doc.num(st.weightsUpdated()[i][j])).append("</td>");
                    sb.append("</tr>\n");
                }
            }
        }
        sb.append("</tbody></table></div>\n");
        if (!spec.dense()) {
            sb.append("<p>Every feature map, its gradients and the kernels are tables in the steps below; a pooling cell's window and "
                    + "winner are in its label.</p>\n");
        }
        sb.append("</details>\n");
    }

    /** The rows of the drawing's table for conv layer l's kernel weights: from the input channel, to the filter's map. */
    private void kernelRows(StringBuilder sb, int l) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int[] k = layer.kernel();
        String from = l == 0 ? "x" : "out " + ExplainDoc.unitName(l - 1, last);
        String to = "net " + ExplainDoc.unitName(l, last);
        for (int o = 0; o < k[0]; o++) {
            for (int c = 0; c < k[1]; c++) {
                for (int a = 0; a < k[2]; a++) {
                    for (int b = 0; b < k[3]; b++) {
                        int q = (c * k[2] + a) * k[3] + b;
                        sb.append("<tr><th scope=\"row\">").append(math(ConvDoc.weight(l, o, c, a, b, last + 1))).append("</th><td>")
                                .append(escape(Doc.text(from))).append(", channel ").append(c + 1).append(", row ").append(a + 1).append(", column ")
                                .append(b + 1).append(" of each window</td><td>").append(escape(Doc.text(to))).append(", filter ").append(o + 1)
                                .append("</td><td class=\"num\">").append(Doc.num(layer.weights()[o][q])).append("</td><td class=\"num\">")
                                .append(Doc.num(st.weightsGrad()[o][q])).append("</td>");
                        if (st.weightsUpdated() != null) sb.append("<td class=\"num\">").append(Doc.num(st.weightsUpdated()[o][q])).append("</td>");
                        sb.append("</tr>\n");
                    }
                }
            }
        }
    }

    private void chains(StringBuilder sb) {
        sb.append("<section id=\"chain\" class=\"step chains\" data-step=\"chain\">\n<h2>The chain rule per weight</h2>\n");
        long weights = 0;
        long kernels = 0;
        for (NetworkSpec.Layer l : spec.layers()) {
            if (l.kind() == NetworkSpec.Kind.DENSE) weights += (long) l.inputs() * l.units();
            if (l.kind() == NetworkSpec.Kind.CONV2D) kernels += (long) l.inputs() * l.units();
        }
        if (spec.sequence()) {
            sb.append("<p>Each weight of the rnn is shared by every step: its gradient, the sum of one contribution per step, is worked out in the backward pass.</p>\n</section>\n");
            return;
        }
        if (kernels > 0) {
            if (kernels > MAX_CHAINS) {
                sb.append("<p>The kernels have ").append(kernels).append(" weights: too many to work out one by one here; the backward pass has every gradient.</p>\n");
            } else {
                sb.append("<p>Each kernel weight's gradient: the sum, over every position of its filter's map (and every sample), of ∂L/∂net "
                        + "there times the input cell under the weight. Open one, or select the weight in the drawing.</p>\n");
                kernelChains(sb);
            }
        }
        if (weights > MAX_CHAINS) {
            sb.append("<p>This network has ").append(weights).append(kernels > 0 ? " dense" : "")
                    .append(" weights: too many to work out one by one here; the backward pass has every gradient.</p>\n</section>\n");
            return;
        }
        sb.append("<p>Each ").append(kernels > 0 ? "dense " : "").append("weight's gradient, from the layer's ∂L/∂net back along every path to the loss. "
                + "Open one, or select the weight in the drawing.</p>\n");
        ChainRule chain = new ChainRule(s);
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            if (layer.kind() != NetworkSpec.Kind.DENSE) continue;
            for (int i = 0; i < layer.inputs(); i++) {
                for (int j = 0; j < layer.units(); j++) {
                    String w = weightName(spec, l, i, j);
                    sb.append("<details class=\"chain\" id=\"chain-").append(l).append('-').append(i).append('-').append(j).append("\">")
                            .append("<summary>").append(math("∂L/∂" + w + " = " + Doc.num(s.layers().get(l).weightsGrad()[i][j])))
                            .append(" <span class=\"where\">layer ").append(l + 1).append(", ").append(escape(Doc.text(inputName(spec, l, i))))
                            .append(" → ").append(escape(Doc.text(Doc.sub(ExplainDoc.unitName(l, last), j)))).append("</span></summary>\n<div class=\"chain-body\">\n");
                    docLines(sb, chain.doc(l, i, j));
                    sb.append("</div></details>\n");
                }
            }
        }
        sb.append("</section>\n");
    }

    /** A details element per kernel weight, {@code id="chain-L-o-c-u-v"}: its gradient worked out ({@link ConvDiagram#chain}). */
    private void kernelChains(StringBuilder sb) {
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            if (layer.kind() != NetworkSpec.Kind.CONV2D) continue;
            int[] k = layer.kernel();
            for (int o = 0; o < k[0]; o++) {
                for (int c = 0; c < k[1]; c++) {
                    for (int a = 0; a < k[2]; a++) {
                        for (int b = 0; b < k[3]; b++) {
                            String w = ConvDoc.weight(l, o, c, a, b, last + 1);
                            double g = s.layers().get(l).weightsGrad()[o][(c * k[2] + a) * k[3] + b];
                            sb.append("<details class=\"chain\" id=\"chain-").append(l).append('-').append(o).append('-').append(c).append('-').append(a)
                                    .append('-').append(b).append("\"><summary>").append(math("∂L/∂" + w + " = " + Doc.num(g)))
                                    .append(" <span class=\"where\">layer ").append(l + 1).append(", filter ").append(o + 1).append(", channel ").append(c + 1)
                                    .append(", row ").append(a + 1).append(", column ").append(b + 1).append("</span></summary>\n<div class=\"chain-body\">\n");
                            docLines(sb, ConvDiagram.chain(s, l, o, c, a, b));
                            sb.append("</div></details>\n");
                        }
                    }
                }
            }
        }
    }

    /** The lines of a small Doc, equations in lists. */
    private void docLines(StringBuilder sb, Doc doc) {
        boolean inList = false;
        for (Doc.Line line : doc.lines()) {
            if (inList && line.kind() != Doc.Kind.EQUATION) {
                sb.append("</ul>\n");
                inList = false;
            }
            if (line.kind() == Doc.Kind.EQUATION && !inList) {
                sb.append("<ul class=\"eqs\">\n");
                inList = true;
            }
            line(sb, line);
        }
        if (inList) sb.append("</ul>\n");
    }

    // ------------------------------------------------------------------------------ answers

    private static final Map<Field, String> NAMES = Map.ofEntries(Map.entry(Field.NET, "net"), Map.entry(Field.OUTPUT, "out"),
            Map.entry(Field.OUTPUT_GRAD, "∂L/∂out"), Map.entry(Field.NET_GRAD, "∂L/∂net"), Map.entry(Field.WEIGHTS_GRAD, "∂L/∂W"),
            Map.entry(Field.BIAS_GRAD, "∂L/∂b"), Map.entry(Field.WEIGHTS_UPDATED, "updated W"), Map.entry(Field.BIAS_UPDATED, "updated b"),
            Map.entry(Field.WEIGHTS_HH_GRAD, "∂L/∂W_hh"), Map.entry(Field.BIAS_HH_GRAD, "∂L/∂b_hh"),
            Map.entry(Field.WEIGHTS_HH_UPDATED, "updated W_hh"), Map.entry(Field.BIAS_HH_UPDATED, "updated b_hh"),
            Map.entry(Field.STEP_WEIGHTS_GRAD, "step's part of ∂L/∂W_ih"), Map.entry(Field.STEP_WEIGHTS_HH_GRAD, "step's part of ∂L/∂W_hh"),
            Map.entry(Field.STEP_BIAS_GRAD, "step's part of ∂L/∂b"));

    /** The person's numbers (check) or fields for them (workbench) at a mark of the worked solution. */
    private void answers(StringBuilder sb, String step, int l) {
        if (mode == Mode.EXPLAIN) return;
        List<Field> fields = switch (step) {
            case "forward" -> List.of(Field.NET, Field.OUTPUT);
            case "backward" -> List.of(Field.OUTPUT_GRAD, Field.NET_GRAD, Field.WEIGHTS_GRAD, Field.BIAS_GRAD, Field.WEIGHTS_HH_GRAD, Field.BIAS_HH_GRAD);
            case "update" -> List.of(Field.WEIGHTS_UPDATED, Field.BIAS_UPDATED, Field.WEIGHTS_HH_UPDATED, Field.BIAS_HH_UPDATED);
            default -> List.of();
        };
        if (step.equals("loss")) {
            grid(sb, -1, null);
            return;
        }
        for (Field f : fields) grid(sb, l, f);
    }

    private void grid(StringBuilder sb, int l, Field f) {
        double[][] t = f == null ? new double[][] {{s.loss()}} : s.layers().get(l).get(f);
        if (t == null) return;
        String quantity = f == null ? "loss" : "layers[" + l + "]." + f.key();
        if (mode == Mode.CHECK && !quantities.contains(quantity)) return;
        int rows = t.length;
        int cols = t[0].length;
        if (mode == Mode.WORKBENCH && (long) rows * cols > MAX_FIELDS) return;
        String u = l < 0 ? null : ExplainDoc.unitName(l, last);
        String what = f == null ? "the loss" : NAMES.get(f) + " of layer " + (l + 1);
        sb.append("<div class=\"answers\" data-quantity=\"").append(quantity).append("\">\n<p class=\"answers-title\">")
                .append(mode == Mode.CHECK ? "Your numbers: " : "Your numbers for ").append(escape(what)).append(" <code>")
                .append(escape(quantity)).append("</code></p>\n<div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th scope=\"col\"></th>");
        for (int j = 0; j < cols; j++) {
            sb.append("<th scope=\"col\">").append(f == null ? "L" : math(columnName(l, f, u, j))).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < rows; r++) {
            String rowName = f == null || f.bias() ? "" : f.perSample() ? (spec.batched() ? "sample " + (r + 1) : "")
                    : rowName(l, r);
            sb.append("<tr><th scope=\"row\">").append(rowName).append("</th>");
            for (int c = 0; c < cols; c++) {
                String p = path(l, f, r, c);
                String label = p + ": " + (f == null ? "the loss L" : NAMES.get(f) + " " + Doc.text(columnName(l, f, u, c))
                        + (f.perSample() ? (spec.batched() ? ", sample " + (r + 1) : "") : f.bias() ? "" : ", from "
                        + (spec.layers().get(l).kind() == NetworkSpec.Kind.CONV2D ? "filter " + (r + 1)
                        : spec.layers().get(l).kind() == NetworkSpec.Kind.RNN ? "unit " + (r + 1) : Doc.text(inputName(spec, l, r)))));
                if (mode == Mode.WORKBENCH) {
                    sb.append("<td class=\"cell\"><input class=\"given\" type=\"text\" inputmode=\"decimal\" autocomplete=\"off\" spellcheck=\"false\" size=\"10\" id=\"")
                            .append(id(p)).append("\" data-path=\"").append(p).append("\" aria-label=\"").append(escape(label))
                            .append("\"><span class=\"verdict\"></span><span class=\"truth\"></span><span class=\"why\"></span></td>");
                    continue;
                }
                Grader.Entry e = entries.get(p);
                if (e == null) {
                    sb.append("<td class=\"cell blank\" title=\"not given\"></td>");
                    continue;
                }
                sb.append("<td class=\"cell").append(e.correct() ? "" : " wrong").append("\">").append(mark(e)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div>\n</div>\n");
    }

    /** A graded number in place: the number with data-correct, its mark, and for a wrong one the true value and why. */
    private String mark(Grader.Entry e) {
        StringBuilder sb = new StringBuilder();
        sb.append("<span class=\"given\" id=\"").append(id(e.path())).append("\" data-path=\"").append(e.path()).append("\" data-correct=\"")
                .append(e.correct()).append("\">").append(escape(CheckDoc.given(e))).append("</span>");
        if (e.correct()) return sb.append("<span class=\"verdict\" aria-label=\"correct\">✓</span>").toString();
        sb.append("<span class=\"verdict\" aria-label=\"wrong\">✗</span><span class=\"truth\">true ").append(escape(Doc.num(e.expected())))
                .append("</span><span class=\"why\">").append(why(e)).append("</span>");
        return sb.toString();
    }

    /** Why a number is wrong, in HTML: its mistake (linked to the summary) or where it was carried over from. */
    String why(Grader.Entry e) {
        Integer k = causeOf.get(e.path());
        String link = k == null ? "" : " <a href=\"#mistake-" + k + "\">mistake " + k + "</a>";
        Diagnosis d = e.diagnosis();
        if (d != null && d.kind() == Diagnosis.Kind.CARRIED_OVER) {
            return "carried over from" + link + ": worked correctly from your own " + pathLink(d.from());
        }
        String text = d == null ? "wrong; no known mistake matches" : d.text();
        return escape(words(text)) + (k == null ? "" : " (" + link.strip() + ")");
    }

    private static String pathLink(String path) {
        return path == null ? "" : "<a href=\"#" + id(path) + "\"><code>" + escape(path) + "</code></a>";
    }

    /** The summary of a check: counts, and the mistakes with the numbers carried over from each. */
    private void summary(StringBuilder sb) {
        sb.append("<section id=\"summary\" class=\"summary\" aria-labelledby=\"summary-h\">\n");
        summaryBody(sb);
        sb.append("</section>\n");
    }

    /** The inside of the summary section (the workbench replaces it as the person types). */
    void summaryBody(StringBuilder sb) {
        sb.append("<h2 id=\"summary-h\">").append(report.entries().size()).append(report.entries().size() == 1 ? " number: " : " numbers: ").append(report.correctCount())
                .append(" correct, ").append(report.wrongCount()).append(" wrong</h2>\n");
        if (causes.isEmpty()) {
            sb.append("<p class=\"verdict-line ok\">No mistakes found.</p>\n");
            return;
        }
        sb.append("<p class=\"verdict-line\">").append(escape(CheckDoc.summary(causes))).append(".</p>\n");
        sb.append("<p class=\"note\">A number is correct when it matches the true value to the precision written (relative tolerance ")
                .append(escape(Doc.num(report.tolerance()))).append("). Updated weights are judged by the step they imply, (old − new)/η.</p>\n");
        sb.append("<ol class=\"causes\">\n");
        for (int k = 0; k < causes.size(); k++) {
            Grader.Cause c = causes.get(k);
            Grader.Entry head = c.first();
            sb.append("<li id=\"mistake-").append(k + 1).append("\">");
            if (head == report.firstMistake()) sb.append("<span class=\"badge\">first mistake</span> ");
            sb.append(numberLine(head)).append(": ").append(escape(what(head)));
            if (c.numbers().size() > 1) {
                sb.append("<ul>");
                for (Grader.Entry e : c.numbers().subList(1, c.numbers().size())) {
                    sb.append("<li>").append(numberLine(e)).append(": ").append(what(e).equals(what(head)) ? "the same mistake" : escape(what(e))).append("</li>");
                }
                sb.append("</ul>");
            }
            if (!c.carried().isEmpty()) {
                sb.append("<details><summary>carried over from ").append(c.numbers().size() == 1 ? "it" : "them").append(": ")
                        .append(c.carried().size()).append(c.carried().size() == 1 ? " number" : " numbers").append("</summary><ul>");
                for (Grader.Entry e : c.carried()) {
                    sb.append("<li>").append(numberLine(e)).append(", from your own ").append(pathLink(e.diagnosis().from())).append("</li>");
                }
                sb.append("</ul></details>");
            }
            sb.append("</li>\n");
        }
        sb.append("</ol>\n");
    }

    private String numberLine(Grader.Entry e) {
        return pathLink(e.path()) + ": " + escape(CheckDoc.given(e)) + ", true " + escape(Doc.num(e.expected()))
                + escape(CheckDoc.step(report, e));
    }

    private static String what(Grader.Entry e) {
        return words(e.diagnosis() == null ? "wrong; no known mistake matches" : e.diagnosis().text());
    }

    private static final String SUB_FROM = "0123456789aeoxhklmnpstij";
    private static final String SUB_TO = "₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ";

    /** A diagnosis for a person: the markup as Unicode, and {@code s_j} as sⱼ. */
    static String words(String text) {
        String t = Doc.text(text);
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '_' && i > 0 && Character.isLetter(t.charAt(i - 1)) && i + 1 < t.length() && SUB_FROM.indexOf(t.charAt(i + 1)) >= 0
                    && (i + 2 == t.length() || !Character.isLetterOrDigit(t.charAt(i + 2)))) {
                sb.append(SUB_TO.charAt(SUB_FROM.indexOf(t.charAt(i + 1))));
                i++;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The marks of a grading as JSON for the workbench page: the summary's HTML, and per path: correct, the true value, why. */
    String grading() {
        StringBuilder sb = new StringBuilder("{\"summary\": ");
        StringBuilder sum = new StringBuilder();
        summaryBody(sum);
        sb.append(JsonRenderer.str(sum.toString())).append(", \"marks\": {");
        boolean first = true;
        for (Grader.Entry e : report.entries()) {
            sb.append(first ? "\n" : ",\n").append(JsonRenderer.str(e.path())).append(": {\"correct\": ").append(e.correct())
                    .append(", \"truth\": ").append(JsonRenderer.str(Doc.num(e.expected())))
                    .append(", \"why\": ").append(e.correct() ? "null" : JsonRenderer.str(why(e))).append('}');
            first = false;
        }
        return sb.append("\n}}\n").toString();
    }

    // ------------------------------------------------------------------------------ data

    /** The spec as JSON in the spec file's format (so the page can be read back by explain). */
    private String specJson() {
        StringBuilder sb = new StringBuilder("{\n  \"input\": ");
        if (spec.inputShape().length != 1) {
            nested(sb, flat(spec.input()), spec.batched() ? Steps.withBatch(spec.batch(), spec.inputShape()) : spec.inputShape(), 0, 0);
        } else {
            matrix(sb, spec.input(), !spec.batched());
        }
        sb.append(",\n  \"target\": ");
        if (spec.layers().get(last).kind() == NetworkSpec.Kind.RNN) {
            int[] one = spec.outShape(last);
            nested(sb, flat(spec.target()), spec.batched() ? Steps.withBatch(spec.batch(), one) : one, 0, 0);
        } else {
            matrix(sb, spec.target(), !spec.batched());
        }
        sb.append(",\n  \"layers\": [");
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            sb.append(l == 0 ? "\n" : ",\n");
            switch (layer.kind()) {
                case FLATTEN -> {
                    sb.append("    {\"type\": \"flatten\"}");
                    continue;
                }
                case MAX_POOL2D, AVG_POOL2D -> {
                    sb.append("    {\"type\": \"").append(layer.kind().specName()).append("\", \"kernel\": ").append(layer.kernel()[0])
                            .append(", \"stride\": ").append(layer.stride()).append('}');
                    continue;
                }
                case CONV2D -> {
                    sb.append("    {\"type\": \"conv2d\", \"stride\": ").append(layer.stride()).append(", \"padding\": ").append(layer.padding())
                            .append(", \"weights\": ");
                    nested(sb, flat(layer.weights()), layer.kernel(), 0, 0);
                }
                case DENSE -> {
                    sb.append("    {\"weights\": ");
                    matrix(sb, layer.weights(), false);
                }
                case RNN -> {
                    sb.append("    {\"type\": \"rnn\", \"weights_ih\": ");
                    matrix(sb, layer.weights(), false);
                    sb.append(", \"weights_hh\": ");
                    matrix(sb, layer.weightsHh(), false);
                    if (layer.hasBias()) matrix(sb.append(", \"bias_ih\": "), new double[][] {layer.bias()}, true);
                    if (layer.biasHh() != null) matrix(sb.append(", \"bias_hh\": "), new double[][] {layer.biasHh()}, true);
                    double[][] h0 = layer.recurrent().initialState();
                    if (h0 != null) matrix(sb.append(", \"initial_state\": "), h0, h0.length == 1);
                    sb.append('}');
                    continue;
                }
            }
            if (layer.hasBias()) {
                sb.append(", \"bias\": ");
                matrix(sb, new double[][] {layer.bias()}, true);
            }
            sb.append(", \"activation\": ").append(JsonRenderer.str(layer.activation().specName()));
            if (NetworkSpec.hasAlpha(layer.activation().specName())) sb.append(", \"alpha\": ").append(JsonRenderer.num(layer.alpha()));
            if (layer.everyStep()) sb.append(", \"every_step\": true");
            sb.append('}');
        }
        sb.append("\n  ],\n  \"loss\": ").append(JsonRenderer.str(spec.loss().specName()));
        if (spec.learningRate() != null) sb.append(",\n  \"learning_rate\": ").append(JsonRenderer.num(spec.learningRate()));
        return sb.append("\n}\n").toString();
    }

    private static double[] flat(double[][] m) {
        double[] out = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out, i * m[i].length, m[i].length);
        return out;
    }

    /** {@code data[offset...]} as nested lists of {@code dims[depth...]} on one line. */
    private static int nested(StringBuilder sb, double[] data, int[] dims, int offset, int depth) {
        if (depth == dims.length - 1) {
            vector(sb, java.util.Arrays.copyOfRange(data, offset, offset + dims[depth]));
            return offset + dims[depth];
        }
        sb.append('[');
        for (int i = 0; i < dims[depth]; i++) {
            if (i > 0) sb.append(", ");
            offset = nested(sb, data, dims, offset, depth + 1);
        }
        sb.append(']');
        return offset;
    }

    private static void matrix(StringBuilder sb, double[][] m, boolean flat) {
        if (flat) {
            vector(sb, m[0]);
            return;
        }
        sb.append('[');
        for (int i = 0; i < m.length; i++) {
            if (i > 0) sb.append(", ");
            vector(sb, m[i]);
        }
        sb.append(']');
    }

    private static void vector(StringBuilder sb, double[] v) {
        sb.append('[');
        for (int j = 0; j < v.length; j++) sb.append(j == 0 ? "" : ", ").append(JsonRenderer.num(v[j]));
        sb.append(']');
    }

    /** A JSON block; {@code <} escaped so that no text inside can end the script element. */
    private static void json(StringBuilder sb, String id, String json) {
        sb.append("<script type=\"application/json\" id=\"").append(id).append("\">\n").append(json.replace("<", "\\u003c")).append("</script>\n");
    }

    private static final Map<String, String> RESOURCES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The page's style sheet and script, from the jar. */
    static String resource(String name) {
        return RESOURCES.computeIfAbsent(name, n -> {
            try (InputStream in = HtmlPage.class.getResourceAsStream(n)) {
                if (in == null) throw new IllegalStateException("missing resource " + n + " (a broken build)");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
