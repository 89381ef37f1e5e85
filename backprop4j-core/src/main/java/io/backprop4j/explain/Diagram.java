package io.backprop4j.explain;

import static io.backprop4j.explain.MathMl.escape;

import io.backprop4j.nn.Softmax;
import java.util.Locale;
import java.util.Set;

/**
 * The network as an SVG drawing for the HTML page: a column per layer (the inputs first, the loss
 * last), one {@code <g data-unit="L,j">} per unit (inputs {@code data-unit="in,i"}) showing its net
 * input and output, one {@code <g data-weight="L,i,j">} per weight, coloured by sign (blue
 * positive, orange negative) and as wide as its magnitude (the square root of its share of the
 * largest). Each weight carries its value, gradient and updated value ({@code data-w},
 * {@code data-g}, {@code data-u}) and a {@code <title>} with all three, so that it reads without a
 * script; the page script switches between them and lights up chain-rule paths. A softmax layer
 * gets a dashed outline: its outputs are coupled.
 *
 * <p>A network with image layers is drawn by {@link ConvDiagram}: feature maps as grids, kernels
 * as small grids.
 */
final class Diagram {
    /** Columns taller than this, or more weights than {@link #MAX_WEIGHTS}, are not drawn. */
    static final int MAX_UNITS = 32;
    static final int MAX_WEIGHTS = 1024;

    static final int COL_GAP = 220;
    static final int ROW_GAP = 74;
    static final int W = 124;
    static final int H = 56;
    static final int TOP = 52;
    static final int MARGIN = 16;

    private static final java.util.Map<String, String> LOSS_NAMES = java.util.Map.of("binary_cross_entropy", "BCE",
            "cross_entropy", "cross-entropy", "mse", "MSE");

    private Diagram() {}

    /** Whether the network is small enough to draw. */
    static boolean drawable(NetworkSpec spec) {
        if (!spec.dense()) return ConvDiagram.drawable(spec);
        long weights = 0;
        int tallest = spec.layers().get(0).inputs();
        for (NetworkSpec.Layer l : spec.layers()) {
            weights += (long) l.inputs() * l.units();
            tallest = Math.max(tallest, l.units());
        }
        return tallest <= MAX_UNITS && weights <= MAX_WEIGHTS;
    }

    /**
     * The SVG element.
     *
     * @param wrongUnits "L,j" of units with a wrong number of the person's (check page), else empty
     * @param wrongWeights "L,i,j" of weights with a wrong gradient or update, else empty
     */
    static String svg(StepSolution s, Set<String> wrongUnits, Set<String> wrongWeights) {
        NetworkSpec spec = s.spec();
        if (!spec.dense()) return ConvDiagram.svg(s, wrongUnits, wrongWeights);
        int layers = spec.layers().size();
        int last = layers - 1;
        int tallest = spec.layers().get(0).inputs();
        for (NetworkSpec.Layer l : spec.layers()) tallest = Math.max(tallest, l.units());
        int width = MARGIN * 2 + (layers + 1) * COL_GAP + W;
        int height = TOP + tallest * ROW_GAP + 8;
        double maxW = 0;
        for (NetworkSpec.Layer l : spec.layers()) for (double[] r : l.weights()) for (double v : r) maxW = Math.max(maxW, Math.abs(v));

        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"net\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" role=\"group\" aria-labelledby=\"diagram-title\" aria-describedby=\"diagram-desc\">");
        sb.append("<title id=\"diagram-title\">").append(escape(title(spec))).append("</title>");
        sb.append("<desc id=\"diagram-desc\">").append(escape(description(spec))).append("</desc>");

        // column headings
        sb.append("<g class=\"heads\" aria-hidden=\"true\">");
        head(sb, 0, "input");
        for (int l = 0; l < layers; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            head(sb, l + 1, "layer " + (l + 1) + ": " + layer.activation().specName() + (layer.hasBias() ? " + bias" : ""));
        }
        head(sb, layers + 1, "loss");
        sb.append("</g>");

        // softmax outlines under everything
        for (int l = 0; l < layers; l++) {
            if (!(spec.layers().get(l).activation() instanceof Softmax)) continue;
            int n = spec.layers().get(l).units();
            double x = x(l + 1) - 8;
            double y = y(tallest, n, 0) - 8;
            sb.append("<g class=\"coupling\" data-coupling=\"").append(l).append("\"><rect x=\"").append(f(x)).append("\" y=\"").append(f(y))
                    .append("\" width=\"").append(W + 16).append("\" height=\"").append(f((n - 1) * ROW_GAP + H + 16))
                    .append("\" rx=\"12\"/><title>softmax: each output depends on every net input of the layer</title></g>");
        }

        // weights
        sb.append("<g class=\"edges\">");
        for (int l = 0; l < layers; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            for (int i = 0; i < layer.inputs(); i++) {
                for (int j = 0; j < layer.units(); j++) {
                    edge(sb, s, l, i, j, x(l) + W, y(tallest, layer.inputs(), i) + H / 2.0, x(l + 1), y(tallest, layer.units(), j) + H / 2.0,
                            maxW, wrongWeights.contains(l + "," + i + "," + j));
                }
            }
        }
        // the output layer's links to the loss
        NetworkSpec.Layer out = spec.layers().get(last);
        for (int j = 0; j < out.units(); j++) {
            double y1 = y(tallest, out.units(), j) + H / 2.0;
            sb.append("<line class=\"to-loss\" data-to-loss=\"").append(j).append("\" x1=\"").append(f(x(layers) + W)).append("\" y1=\"")
                    .append(f(y1)).append("\" x2=\"").append(f(x(layers + 1))).append("\" y2=\"").append(f(y(tallest, 1, 0) + H / 2.0)).append("\"/>");
        }
        sb.append("</g>");

        // units
        sb.append("<g class=\"units\">");
        for (int i = 0; i < spec.layers().get(0).inputs(); i++) {
            String name = Doc.text(Doc.sub("x", i));
            double v = spec.input()[0][i];
            sb.append("<g class=\"unit input\" data-unit=\"in,").append(i).append("\" role=\"img\" aria-label=\"")
                    .append(escape("input " + name + " = " + Doc.num(v))).append("\">");
            box(sb, x(0), y(tallest, spec.layers().get(0).inputs(), i), W, H);
            text(sb, "name", x(0) + 10, y(tallest, spec.layers().get(0).inputs(), i) + 22, name);
            text(sb, "val", x(0) + 10, y(tallest, spec.layers().get(0).inputs(), i) + 43, Doc.num(v));
            sb.append("</g>");
        }
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < spec.layers().get(l).units(); j++) {
                unit(sb, s, l, j, x(l + 1), y(tallest, spec.layers().get(l).units(), j), wrongUnits.contains(l + "," + j));
            }
        }
        loss(sb, s, x(layers + 1), y(tallest, 1, 0));
        sb.append("</g></svg>");
        return sb.toString();
    }

    /** One dense weight (l, i, j) as a line from (x1, y1) to (x2, y2), with its value, gradient and update. */
    static void edge(StringBuilder sb, StepSolution s, int l, int i, int j, double x1, double y1, double x2, double y2, double maxW, boolean wrong) {
        NetworkSpec spec = s.spec();
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int last = spec.layers().size() - 1;
        double w = layer.weights()[i][j];
        double g = st.weightsGrad()[i][j];
        Double u = st.weightsUpdated() == null ? null : st.weightsUpdated()[i][j];
        String name = Doc.text(HtmlPage.weightName(spec, l, i, j));
        String from = Doc.text(HtmlPage.inputName(spec, l, i));
        String to = Doc.text(Doc.sub(ExplainDoc.unitName(l, last), j));
        String label = name + " (layer " + (l + 1) + ", " + from + " → " + to + "): weight " + Doc.num(w)
                + ", gradient ∂L/∂w " + Doc.num(g) + (u == null ? "" : ", updated " + Doc.num(u));
        sb.append("<g class=\"edge ").append(sign(w)).append(wrong ? " wrong" : "").append("\" data-weight=\"")
                .append(l).append(',').append(i).append(',').append(j).append("\" data-w=\"").append(w)
                .append("\" data-g=\"").append(g).append('"');
        if (u != null) sb.append(" data-u=\"").append(u.doubleValue()).append('"');
        sb.append(" tabindex=\"0\" role=\"button\" aria-pressed=\"false\" aria-label=\"").append(escape(label)).append("\">");
        sb.append("<title>").append(escape(label + (wrong ? "; your number here is wrong" : ""))).append("</title>");
        String line = "x1=\"" + f(x1) + "\" y1=\"" + f(y1) + "\" x2=\"" + f(x2) + "\" y2=\"" + f(y2) + "\"";
        sb.append("<line class=\"hit\" ").append(line).append("/>");
        sb.append("<line class=\"wire\" ").append(line).append(" stroke-width=\"").append(f(width(w, maxW))).append("\"/>");
        // the label sits on the wire, nearer the unit it leaves, shifted by the unit it enters so fans stay apart
        double t = 0.28 + 0.4 * (j + 0.5) / layer.units();
        sb.append("<text class=\"elabel\" x=\"").append(f(x1 + t * (x2 - x1))).append("\" y=\"").append(f(y1 + t * (y2 - y1) - 3))
                .append("\">").append(escape(Doc.num(w))).append("</text>");
        sb.append("</g>");
    }

    /** Unit j of dense layer l as a box at (x, y): its name, net input and output. */
    static void unit(StringBuilder sb, StepSolution s, int l, int j, double x, double y, boolean wrong) {
        int last = s.spec().layers().size() - 1;
        StepSolution.LayerStep st = s.layers().get(l);
        String name = Doc.text(Doc.sub(ExplainDoc.unitName(l, last), j));
        double net = st.net()[0][j];
        double o = st.output()[0][j];
        sb.append("<g class=\"unit").append(wrong ? " wrong" : "").append("\" data-unit=\"").append(l).append(',').append(j)
                .append("\" role=\"img\" aria-label=\"").append(escape(name + ": net " + Doc.num(net) + ", out " + Doc.num(o)
                        + ", ∂L/∂net " + Doc.num(st.netGrad()[0][j]) + (wrong ? "; your number here is wrong" : ""))).append("\">");
        box(sb, x, y, W, H);
        text(sb, "name", x + 10, y + 17, name);
        text(sb, "net", x + 10, y + 33, "net " + Doc.num(net));
        text(sb, "out", x + 10, y + 49, "out " + Doc.num(o));
        sb.append("</g>");
    }

    /** The loss box at (x, y). */
    static void loss(StringBuilder sb, StepSolution s, double x, double y) {
        NetworkSpec spec = s.spec();
        sb.append("<g class=\"loss\" data-loss=\"\" role=\"img\" aria-label=\"").append(escape("loss L = " + Doc.num(s.loss()) + " (" + spec.loss().specName() + ")")).append("\">");
        box(sb, x, y, W, H);
        text(sb, "name", x + 10, y + 22, "loss L (" + LOSS_NAMES.getOrDefault(spec.loss().specName(), spec.loss().specName()) + ")");
        text(sb, "val", x + 10, y + 43, Doc.num(s.loss()));
        sb.append("</g>");
    }

    static String title(NetworkSpec spec) {
        if (!spec.dense()) return ConvDiagram.title(spec);
        StringBuilder shape = new StringBuilder().append(spec.layers().get(0).inputs());
        for (NetworkSpec.Layer l : spec.layers()) shape.append('-').append(l.units());
        return "The " + shape + " network";
    }

    static String description(NetworkSpec spec) {
        if (!spec.dense()) return ConvDiagram.description(spec);
        int units = 0;
        long weights = 0;
        for (NetworkSpec.Layer l : spec.layers()) {
            units += l.units();
            weights += (long) l.inputs() * l.units();
        }
        return spec.layers().get(0).inputs() + " inputs, " + units + " units in " + spec.layers().size() + " layers, " + weights
                + " weights, then the loss. Each unit shows its net input and output; each weight is a line from the unit it leaves "
                + "to the unit it enters, blue when positive, orange when negative, wider when larger. Select a weight to light up "
                + "its chain-rule path from the loss back to it; the table after the drawing lists every value.";
    }

    static void head(StringBuilder sb, int col, String s) {
        text(sb, "head", x(col), 22, s);
    }

    static void box(StringBuilder sb, double x, double y, double w, double h) {
        sb.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(w)).append("\" height=\"")
                .append(f(h)).append("\" rx=\"8\"/>");
    }

    static void text(StringBuilder sb, String cls, double x, double y, String s) {
        sb.append("<text class=\"").append(cls).append("\" x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\">")
                .append(escape(s)).append("</text>");
    }

    static double x(int col) {
        return MARGIN + col * COL_GAP;
    }

    /** The top of unit r of a column of n units, the columns centred on the tallest. */
    static double y(int tallest, int n, int r) {
        return TOP + (tallest - n) * ROW_GAP / 2.0 + r * ROW_GAP;
    }

    /** The stroke width for a value: 0.75 to 7 px, by the square root of its share of the largest. */
    static double width(double v, double max) {
        if (!(max > 0)) return 1;
        return 0.75 + 6.25 * Math.sqrt(Math.abs(v) / max);
    }

    static String sign(double v) {
        return v > 0 ? "pos" : v < 0 ? "neg" : "zero";
    }

    static String f(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
