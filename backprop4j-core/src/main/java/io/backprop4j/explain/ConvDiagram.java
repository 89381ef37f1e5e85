package io.backprop4j.explain;

import static io.backprop4j.explain.Diagram.f;
import static io.backprop4j.explain.MathMl.escape;

import io.backprop4j.explain.NetworkSpec.Kind;
import io.backprop4j.nn.Softmax;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The drawing of a network with image layers for the HTML page: a column per stage, left to right.
 * The input and the output of each conv2d or pooling layer are feature maps drawn as grids, one
 * {@code <g data-unit="L,c,y,x">} per cell (the input's {@code data-unit="in,c,y,x"}; L, c, y, x
 * from 0), showing its value (sample 1), coloured by sign and shaded by magnitude. A conv2d layer's
 * kernels stand between its input and output maps, a small grid per filter and input channel, one
 * {@code <g data-weight="L,o,c,u,v">} per weight with its value, gradient and update
 * ({@code data-w}, {@code data-g}, {@code data-u}). A flatten is a column of cells
 * {@code data-unit="L,k"}, and the dense layers after it are drawn as {@link Diagram} draws them,
 * their weights as lines from the flatten's cells.
 *
 * <p>Every cell and weight has a {@code <title>} and an {@code aria-label} with its numbers, and a
 * pooling cell says which input won its window (max) or what it averages; a winning input cell is
 * marked, so the drawing reads without a script. The page script switches values and gradients,
 * and on selecting a kernel weight lights up the input and ∂L/∂net cells whose products sum to its
 * gradient ({@link #taps}).
 */
final class ConvDiagram {
    /** Networks with more cells than this (maps and flatten together), or more weights than {@link Diagram#MAX_WEIGHTS}, are not drawn. */
    static final int MAX_CELLS = 2048;
    /** The longest flatten drawn (its cells make one column). */
    static final int MAX_FLAT = 160;

    static final int CW = 46;
    static final int CH = 24;
    static final int KW = 40;
    static final int KH = 22;
    static final int FW = 64;
    static final int FH = 18;
    /** Between columns; before and after the lines of a dense layer, {@link #EDGE_GAP}. */
    static final int GAP = 44;
    static final int EDGE_GAP = 150;
    /** Between the output layer and the loss. */
    static final int LOSS_GAP = 80;
    static final int LABEL = 16;
    static final int BLOCK_GAP = 14;
    static final int TOP = 58;
    static final int MIN_COL = 96;

    private ConvDiagram() {}

    /** Whether the network is small enough to draw. */
    static boolean drawable(NetworkSpec spec) {
        long cells = NetworkSpec.size(spec.inputShape());
        long weights = 0;
        for (int l = 0; l < spec.layers().size(); l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            int[] os = spec.outShape(l);
            if (layer.kind() == Kind.FLATTEN && NetworkSpec.size(os) > MAX_FLAT) return false;
            if (layer.kind() == Kind.DENSE && layer.units() > Diagram.MAX_UNITS) return false;
            if (layer.kind() != Kind.DENSE) cells += NetworkSpec.size(os);
            if (layer.kind().weighted()) weights += (long) layer.inputs() * layer.units();
        }
        return cells <= MAX_CELLS && weights <= Diagram.MAX_WEIGHTS;
    }

    // ------------------------------------------------------------------------------ layout

    /** What a column holds. */
    enum What { MAPS, KERNELS, FLAT, UNITS, LOSS }

    /** A column: what it holds, its layer (−1: the input), its width and height, and where it is. */
    record Column(What what, int layer, double width, double height, double[] at) {
        double x() {
            return at[0];
        }

        double top() {
            return at[1];
        }
    }

    /** The columns of the drawing, placed. */
    static List<Column> layout(NetworkSpec spec) {
        List<Column> cols = new ArrayList<>();
        cols.add(maps(-1, spec.inputShape()));
        for (int l = 0; l < spec.layers().size(); l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            switch (layer.kind()) {
                case CONV2D -> {
                    int[] k = layer.kernel();
                    double w = Math.max(MIN_COL, k[1] * k[3] * KW + (k[1] - 1) * 8.0);
                    cols.add(new Column(What.KERNELS, l, w, k[0] * (LABEL + k[2] * KH) + (k[0] - 1) * (double) BLOCK_GAP, new double[2]));
                    cols.add(maps(l, spec.outShape(l)));
                }
                case MAX_POOL2D, AVG_POOL2D -> cols.add(maps(l, spec.outShape(l)));
                case FLATTEN -> cols.add(new Column(What.FLAT, l, FW, NetworkSpec.size(spec.outShape(l)) * (double) FH, new double[2]));
                case DENSE -> cols.add(new Column(What.UNITS, l, Diagram.W, (layer.units() - 1) * (double) Diagram.ROW_GAP + Diagram.H, new double[2]));
            }
        }
        cols.add(new Column(What.LOSS, spec.layers().size(), Diagram.W, Diagram.H, new double[2]));
        double tallest = 0;
        for (Column c : cols) tallest = Math.max(tallest, c.height());
        double x = Diagram.MARGIN;
        for (int k = 0; k < cols.size(); k++) {
            Column c = cols.get(k);
            if (k > 0) {
                Column prev = cols.get(k - 1);
                x += c.what() == What.UNITS ? EDGE_GAP : c.what() == What.LOSS && prev.what() != What.MAPS ? LOSS_GAP : GAP;
            }
            c.at()[0] = x;
            c.at()[1] = TOP + (tallest - c.height()) / 2;
            x += c.width();
        }
        return cols;
    }

    private static Column maps(int l, int[] shape) {
        double w = Math.max(MIN_COL, shape[2] * (double) CW);
        return new Column(What.MAPS, l, w, shape[0] * (LABEL + shape[1] * (double) CH) + (shape[0] - 1) * (double) BLOCK_GAP, new double[2]);
    }

    // ------------------------------------------------------------------------------ the drawing

    /**
     * The SVG element.
     *
     * @param wrongUnits keys ("L,c,y,x", "L,k", "L,j") of cells and units with a wrong number of the person's, else empty
     * @param wrongWeights keys ("L,o,c,u,v", "L,i,j") of weights with a wrong gradient or update, else empty
     */
    static String svg(StepSolution s, Set<String> wrongUnits, Set<String> wrongWeights) {
        NetworkSpec spec = s.spec();
        List<Column> cols = layout(spec);
        Column end = cols.getLast();
        double width = end.x() + end.width() + Diagram.MARGIN + 40; // the loss's name runs past its box
        double height = 0;
        for (Column c : cols) height = Math.max(height, c.top() + c.height());
        height += 12;
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("<svg class=\"net conv\" viewBox=\"0 0 ").append(f(width)).append(' ').append(f(height)).append("\" width=\"").append(f(width))
                .append("\" height=\"").append(f(height)).append("\" role=\"group\" aria-labelledby=\"diagram-title\" aria-describedby=\"diagram-desc\">");
        sb.append("<title id=\"diagram-title\">").append(escape(title(spec))).append("</title>");
        sb.append("<desc id=\"diagram-desc\">").append(escape(description(spec))).append("</desc>");
        sb.append("<g class=\"heads\" aria-hidden=\"true\">");
        for (Column c : cols) {
            String[] h = heading(spec, c);
            Diagram.text(sb, "head", c.x(), 20, h[0]);
            if (h.length > 1) Diagram.text(sb, "head sub", c.x(), 36, h[1]);
        }
        sb.append("</g>");

        // the dense part's lines first, under the cells and units
        double maxW = 0;
        for (NetworkSpec.Layer l : spec.layers()) {
            if (l.kind() == Kind.DENSE) for (double[] r : l.weights()) for (double v : r) maxW = Math.max(maxW, Math.abs(v));
        }
        sb.append("<g class=\"edges\">");
        for (int k = 1; k < cols.size(); k++) {
            Column c = cols.get(k);
            Column prev = cols.get(k - 1);
            if (c.what() == What.UNITS) {
                NetworkSpec.Layer layer = spec.layers().get(c.layer());
                for (int i = 0; i < layer.inputs(); i++) {
                    for (int j = 0; j < layer.units(); j++) {
                        Diagram.edge(sb, s, c.layer(), i, j, prev.x() + prev.width(), rowY(prev, i), c.x(), rowY(c, j), maxW,
                                wrongWeights.contains(c.layer() + "," + i + "," + j));
                    }
                }
            } else if (c.what() == What.LOSS) {
                int n = NetworkSpec.size(spec.outShape(c.layer() - 1));
                for (int j = 0; j < n && prev.what() != What.MAPS; j++) {
                    sb.append("<line class=\"to-loss\" data-to-loss=\"").append(j).append("\" x1=\"").append(f(prev.x() + prev.width()))
                            .append("\" y1=\"").append(f(rowY(prev, j))).append("\" x2=\"").append(f(c.x())).append("\" y2=\"")
                            .append(f(c.top() + Diagram.H / 2.0)).append("\"/>");
                }
            }
        }
        sb.append("</g>");

        // softmax outlines
        for (Column c : cols) {
            if (c.what() != What.UNITS || !(spec.layers().get(c.layer()).activation() instanceof Softmax)) continue;
            sb.append("<g class=\"coupling\" data-coupling=\"").append(c.layer()).append("\"><rect x=\"").append(f(c.x() - 8)).append("\" y=\"")
                    .append(f(c.top() - 8)).append("\" width=\"").append(f(c.width() + 16)).append("\" height=\"").append(f(c.height() + 16))
                    .append("\" rx=\"12\"/><title>softmax: each output depends on every net input of the layer</title></g>");
        }

        sb.append("<g class=\"units\">");
        for (Column c : cols) {
            switch (c.what()) {
                case MAPS -> maps(sb, s, c, wrongUnits);
                case KERNELS -> kernels(sb, s, c, wrongWeights);
                case FLAT -> flat(sb, s, c, wrongUnits);
                case UNITS -> {
                    int n = spec.layers().get(c.layer()).units();
                    for (int j = 0; j < n; j++) Diagram.unit(sb, s, c.layer(), j, c.x(), c.top() + j * Diagram.ROW_GAP, wrongUnits.contains(c.layer() + "," + j));
                }
                case LOSS -> Diagram.loss(sb, s, c.x(), c.top());
            }
        }
        sb.append("</g></svg>");
        return sb.toString();
    }

    /** The middle of row r of a column of cells or units, where a line meets it. */
    private static double rowY(Column c, int r) {
        return switch (c.what()) {
            case FLAT -> c.top() + r * FH + FH / 2.0;
            case UNITS -> c.top() + r * Diagram.ROW_GAP + Diagram.H / 2.0;
            default -> c.top() + c.height() / 2;
        };
    }

    /** A column's heading: what it holds (short: columns are narrow), then its layer and shape. */
    private static String[] heading(NetworkSpec spec, Column c) {
        if (c.what() == What.LOSS) return new String[] {"loss"};
        if (c.layer() < 0) return new String[] {"input", NetworkSpec.str(spec.inputShape())};
        NetworkSpec.Layer layer = spec.layers().get(c.layer());
        String n = "layer " + (c.layer() + 1);
        int[] k = layer.kernel();
        String shape = NetworkSpec.str(spec.outShape(c.layer()));
        return switch (c.what()) {
            case KERNELS -> new String[] {"conv2d " + k[0] + "×" + k[1] + "×" + k[2] + "×" + k[3], n + ", stride " + layer.stride()
                    + (layer.padding() > 0 ? ", pad " + layer.padding() : "")};
            case MAPS -> layer.kind() == Kind.CONV2D
                    ? new String[] {layer.activation().specName().replace('_', ' '), shape}
                    : new String[] {(layer.kind() == Kind.MAX_POOL2D ? "max" : "avg") + " pool " + k[0] + "×" + k[1], n + ", stride " + layer.stride()};
            case FLAT -> new String[] {"flatten", n + ": " + shape};
            case UNITS -> new String[] {layer.activation().specName().replace('_', ' ') + (layer.hasBias() ? " + bias" : ""), n};
            case LOSS -> new String[] {"loss"};
        };
    }

    // ------------------------------------------------------------------------------ cells

    /** The values of layer l (−1: the input) for sample 1, flat. */
    private static double[] values(StepSolution s, int l) {
        return l < 0 ? s.spec().input()[0] : s.layers().get(l).output()[0];
    }

    /** The name of layer l's values: x for the input. */
    static String name(NetworkSpec spec, int l) {
        return l < 0 ? "x" : ExplainDoc.unitName(l, spec.layers().size() - 1);
    }

    private static void maps(StringBuilder sb, StepSolution s, Column col, Set<String> wrong) {
        NetworkSpec spec = s.spec();
        int l = col.layer();
        int[] sh = l < 0 ? spec.inputShape() : spec.outShape(l);
        double[] v = values(s, l);
        String key = l < 0 ? "in" : String.valueOf(l);
        String u = name(spec, l);
        NetworkSpec.Layer layer = l < 0 ? null : spec.layers().get(l);
        StepSolution.LayerStep st = l < 0 ? null : s.layers().get(l);
        boolean pool = layer != null && layer.kind().pool();
        // an input cell of a max pool above marks the windows it wins
        List<List<String>> wins = winsOf(s, l);
        double max = maxAbs(v);
        sb.append("<g class=\"maps\" data-layer=\"").append(key).append("\" data-shape=\"").append(sh[0]).append(',').append(sh[1]).append(',')
                .append(sh[2]).append("\">");
        for (int c = 0; c < sh[0]; c++) {
            double top = col.top() + c * (LABEL + sh[1] * (double) CH + BLOCK_GAP);
            Diagram.text(sb, "mlabel", col.x(), top + 11, (l < 0 ? "x" : Doc.text(u)) + ", channel " + (c + 1));
            for (int y = 0; y < sh[1]; y++) {
                for (int x = 0; x < sh[2]; x++) {
                    int k = (c * sh[1] + y) * sh[2] + x;
                    String at = Doc.text(ConvDoc.at(u, c, y, x));
                    boolean bad = wrong.contains(key + "," + c + "," + y + "," + x);
                    StringBuilder label = new StringBuilder();
                    label.append(l < 0 ? "input " : "").append(at).append(" (channel ").append(c + 1).append(", row ").append(y + 1)
                            .append(", column ").append(x + 1).append(")");
                    if (l < 0 || pool) label.append(" = ").append(Doc.num(v[k]));
                    else label.append(": net ").append(Doc.num(st.net()[0][k])).append(", out ").append(Doc.num(v[k]));
                    if (st != null && st.netGrad() != null) label.append(", ∂L/∂net ").append(Doc.num(st.netGrad()[0][k]));
                    else if (st != null) label.append(", ∂L/∂out ").append(Doc.num(st.outputGrad()[0][k]));
                    if (pool) label.append(": ").append(window(s, l, c, y, x));
                    List<String> w = wins == null ? List.of() : wins.get(k);
                    if (!w.isEmpty()) label.append("; wins the max of ").append(String.join(", ", w));
                    if (bad) label.append("; your number here is wrong");
                    sb.append("<g class=\"cell").append(w.isEmpty() ? "" : " wins").append(bad ? " wrong" : "").append("\" data-unit=\"")
                            .append(key).append(',').append(c).append(',').append(y).append(',').append(x).append("\" data-k=\"").append(k).append('"');
                    if (pool) sb.append(" data-pool=\"\" tabindex=\"0\" role=\"button\" aria-pressed=\"false\"");
                    else sb.append(" role=\"img\"");
                    sb.append(" aria-label=\"").append(escape(label.toString())).append("\"><title>").append(escape(label.toString())).append("</title>");
                    cell(sb, col.x() + x * CW, top + LABEL + y * CH, CW, CH, v[k], max);
                    if (!w.isEmpty()) {
                        sb.append("<path class=\"win-mark\" d=\"M").append(f(col.x() + x * CW + 1)).append(' ').append(f(top + LABEL + y * CH + 1))
                                .append("h9l-9 9z\"/>");
                    }
                    sb.append("</g>");
                }
            }
        }
        sb.append("</g>");
    }

    /** A cell's square and its value: the square coloured by the sign, its opacity by the magnitude. */
    private static void cell(StringBuilder sb, double x, double y, double w, double h, double v, double max) {
        sb.append("<rect class=\"").append(Diagram.sign(v)).append("\" x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"")
                .append(f(w)).append("\" height=\"").append(f(h)).append("\" fill-opacity=\"").append(shade(v, max)).append("\"/>");
        sb.append("<text class=\"cv\" x=\"").append(f(x + w / 2)).append("\" y=\"").append(f(y + h / 2 + 4)).append("\">").append(escape(brief(v)))
                .append("</text>");
    }

    /** The fill opacity for a value: 0.08 to 0.7 by the square root of its share of the largest, 0 for 0. */
    static String shade(double v, double max) {
        if (v == 0 || !(max > 0)) return "0";
        return String.format(java.util.Locale.ROOT, "%.2f", 0.08 + 0.62 * Math.sqrt(Math.abs(v) / max));
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    /** A number in three significant digits, to fit a cell (the full one is in its title). */
    static String brief(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) return new BigDecimal(v).round(new MathContext(3, RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString();
        String[] p = String.format(java.util.Locale.ROOT, "%.1e", v).split("e");
        return p[0].replace(".0", "") + "e" + Integer.parseInt(p[1]);
    }

    /** What pooling cell (c, y, x) of layer l takes: its window, the winner of a max, the terms of an average. */
    static String window(StepSolution s, int l, int c, int y, int x) {
        NetworkSpec spec = s.spec();
        NetworkSpec.Layer layer = spec.layers().get(l);
        int[] is = spec.inShape(l);
        int[] k = layer.kernel();
        int str = layer.stride();
        double[] in = values(s, l - 1);
        String v = name(spec, l - 1);
        String rows = "rows " + (y * str + 1) + "–" + (y * str + k[0]) + ", columns " + (x * str + 1) + "–" + (x * str + k[1]);
        if (layer.kind() == Kind.MAX_POOL2D) {
            int[] win = winner(in, is, c, y * str, x * str, k);
            return "the max of " + Doc.text(v) + " channel " + (c + 1) + ", " + rows + "; won by " + Doc.text(ConvDoc.at(v, c, win[0], win[1])) + " = "
                    + Doc.num(in[(c * is[1] + win[0]) * is[2] + win[1]]);
        }
        List<String> terms = new ArrayList<>();
        for (int a = 0; a < k[0]; a++) for (int b = 0; b < k[1]; b++) terms.add(Doc.num(in[(c * is[1] + y * str + a) * is[2] + x * str + b]));
        return "the mean of " + Doc.text(v) + " channel " + (c + 1) + ", " + rows + ": (" + String.join(" + ", terms) + ")/" + k[0] * k[1];
    }

    /** The row and column of the first largest input of the window at (y0, x0) of channel c: the max pool's winner. */
    static int[] winner(double[] in, int[] is, int c, int y0, int x0, int[] k) {
        int[] best = {y0, x0};
        double b = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < k[0]; a++) {
            for (int d = 0; d < k[1]; d++) {
                double v = in[(c * is[1] + y0 + a) * is[2] + x0 + d];
                if (v > b) {
                    b = v;
                    best = new int[] {y0 + a, x0 + d};
                }
            }
        }
        return best;
    }

    /** For the maps of layer l (−1: the input) under a max pool: per cell, the windows it wins ("p_{1,1,1}"); else null. */
    private static List<List<String>> winsOf(StepSolution s, int l) {
        NetworkSpec spec = s.spec();
        if (l + 1 >= spec.layers().size() || spec.layers().get(l + 1).kind() != Kind.MAX_POOL2D) return null;
        NetworkSpec.Layer pool = spec.layers().get(l + 1);
        int[] is = spec.inShape(l + 1);
        int[] os = spec.outShape(l + 1);
        double[] in = values(s, l);
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < in.length; i++) out.add(new ArrayList<>());
        String p = name(spec, l + 1);
        for (int c = 0; c < os[0]; c++) {
            for (int i = 0; i < os[1]; i++) {
                for (int j = 0; j < os[2]; j++) {
                    int[] w = winner(in, is, c, i * pool.stride(), j * pool.stride(), pool.kernel());
                    out.get((c * is[1] + w[0]) * is[2] + w[1]).add(Doc.text(ConvDoc.at(p, c, i, j)));
                }
            }
        }
        return out;
    }

    private static void kernels(StringBuilder sb, StepSolution s, Column col, Set<String> wrong) {
        NetworkSpec spec = s.spec();
        int l = col.layer();
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int[] k = layer.kernel();
        double max = 0;
        for (double[] r : layer.weights()) max = Math.max(max, maxAbs(r));
        sb.append("<g class=\"kernels\" data-layer=\"").append(l).append("\" data-kernel=\"").append(k[0]).append(',').append(k[1]).append(',')
                .append(k[2]).append(',').append(k[3]).append("\" data-stride=\"").append(layer.stride()).append("\" data-padding=\"")
                .append(layer.padding()).append("\">");
        for (int o = 0; o < k[0]; o++) {
            double top = col.top() + o * (LABEL + k[2] * (double) KH + BLOCK_GAP);
            Diagram.text(sb, "mlabel", col.x(), top + 11, "filter " + (o + 1) + (layer.hasBias() ? ", b = " + Doc.num(layer.bias()[o]) : ""));
            for (int c = 0; c < k[1]; c++) {
                double left = col.x() + c * (k[3] * (double) KW + 8);
                for (int a = 0; a < k[2]; a++) {
                    for (int b = 0; b < k[3]; b++) {
                        int q = (c * k[2] + a) * k[3] + b;
                        double w = layer.weights()[o][q];
                        double g = st.weightsGrad()[o][q];
                        Double u = st.weightsUpdated() == null ? null : st.weightsUpdated()[o][q];
                        String id = l + "," + o + "," + c + "," + a + "," + b;
                        boolean bad = wrong.contains(id);
                        String label = Doc.text(ConvDoc.weight(l, o, c, a, b, spec.layers().size())) + " (layer " + (l + 1) + ", filter " + (o + 1)
                                + ", channel " + (c + 1) + ", row " + (a + 1) + ", column " + (b + 1) + "): weight " + Doc.num(w) + ", gradient ∂L/∂w "
                                + Doc.num(g) + (u == null ? "" : ", updated " + Doc.num(u)) + (bad ? "; your number here is wrong" : "");
                        sb.append("<g class=\"kcell").append(bad ? " wrong" : "").append("\" data-weight=\"").append(id).append("\" data-w=\"").append(w)
                                .append("\" data-g=\"").append(g).append('"');
                        if (u != null) sb.append(" data-u=\"").append(u.doubleValue()).append('"');
                        sb.append(" tabindex=\"0\" role=\"button\" aria-pressed=\"false\" aria-label=\"").append(escape(label)).append("\"><title>")
                                .append(escape(label)).append("</title>");
                        cell(sb, left + b * KW, top + LABEL + a * KH, KW, KH, w, max);
                        sb.append("</g>");
                    }
                }
            }
        }
        sb.append("</g>");
    }

    private static void flat(StringBuilder sb, StepSolution s, Column col, Set<String> wrong) {
        NetworkSpec spec = s.spec();
        int l = col.layer();
        StepSolution.LayerStep st = s.layers().get(l);
        double[] v = st.output()[0];
        int[] is = spec.inShape(l);
        String u = name(spec, l);
        String from = name(spec, l - 1);
        double max = maxAbs(v);
        sb.append("<g class=\"flat\" data-layer=\"").append(l).append("\">");
        for (int k = 0; k < v.length; k++) {
            boolean bad = wrong.contains(l + "," + k);
            String src = is.length == 3 ? Doc.text(ConvDoc.at(from, k / (is[1] * is[2]), k / is[2] % is[1], k % is[2])) : Doc.text(Doc.sub(from, k));
            String label = Doc.text(Doc.sub(u, k)) + " = " + src + " = " + Doc.num(v[k]) + ", ∂L/∂out " + Doc.num(st.outputGrad()[0][k])
                    + (bad ? "; your number here is wrong" : "");
            sb.append("<g class=\"cell flat").append(bad ? " wrong" : "").append("\" data-unit=\"").append(l).append(',').append(k).append("\" data-k=\"")
                    .append(k).append("\" role=\"img\" aria-label=\"").append(escape(label)).append("\"><title>").append(escape(label)).append("</title>");
            cell(sb, col.x(), col.top() + k * FH, FW, FH - 2, v[k], max);
            Diagram.text(sb, "findex", col.x() - 4, col.top() + k * FH + FH / 2.0 + 3, String.valueOf(k + 1));
            sb.append("</g>");
        }
        sb.append("</g>");
    }

    // ------------------------------------------------------------------------------ a kernel weight's gradient

    /** One term of a kernel weight's gradient: sample n, the ∂L/∂net cell (o, i, j) and the input cell (c, y, x) it meets. */
    record Tap(int sample, int i, int j, int y, int x) {}

    /**
     * The terms of ∂L/∂w_{o,c,u,v} of conv layer l: Σ over samples and output positions (i, j) of
     * ∂L/∂net_{o,i,j} · in_{c, i·s − p + u, j·s − p + v}, the positions in the padding left out (their input is 0).
     */
    static List<Tap> taps(NetworkSpec spec, int l, int o, int c, int u, int v) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        int[] is = spec.inShape(l);
        int[] os = spec.outShape(l);
        List<Tap> out = new ArrayList<>();
        for (int n = 0; n < spec.batch(); n++) {
            for (int i = 0; i < os[1]; i++) {
                for (int j = 0; j < os[2]; j++) {
                    int y = i * layer.stride() - layer.padding() + u;
                    int x = j * layer.stride() - layer.padding() + v;
                    if (y >= 0 && y < is[1] && x >= 0 && x < is[2]) out.add(new Tap(n, i, j, y, x));
                }
            }
        }
        return out;
    }

    /** The worked gradient of kernel weight (l, o, c, u, v): the sum of its terms by name, then with the numbers. */
    static Doc chain(StepSolution s, int l, int o, int c, int u, int v) {
        NetworkSpec spec = s.spec();
        StepSolution.LayerStep st = s.layers().get(l);
        int[] is = spec.inShape(l);
        int[] os = spec.outShape(l);
        int[] k = spec.layers().get(l).kernel();
        String h = name(spec, l);
        String x = (l == 0 ? "" : "out ") + name(spec, l - 1);
        String w = ConvDoc.weight(l, o, c, u, v, spec.layers().size());
        List<Tap> taps = taps(spec, l, o, c, u, v);
        Doc doc = new Doc();
        doc.formula("∂L/∂" + w + " = Σ_{" + (spec.batch() > 1 ? "\\text{samples}, " : "") + "i,j} ∂L/∂net " + h + "_{" + (o + 1) + ",i,j} * " + x
                + "_{" + (c + 1) + ",y,x}\\note{over every position (i, j) of filter " + (o + 1) + "'s map, (y, x) the input cell under this weight there}");
        List<String> names = new ArrayList<>();
        List<String> nums = new ArrayList<>();
        for (Tap t : taps) {
            if (t.sample() == 0) names.add("∂L/∂net " + ConvDoc.at(h, o, t.i(), t.j()) + "*" + ConvDoc.at(x, c, t.y(), t.x()));
            double[] inputs = l == 0 ? spec.input()[t.sample()] : s.layers().get(l - 1).output()[t.sample()];
            double in = inputs[(c * is[1] + t.y()) * is[2] + t.x()];
            nums.add(Doc.fac(st.netGrad()[t.sample()][(o * os[1] + t.i()) * os[2] + t.j()]) + "*" + Doc.fac(in));
        }
        double g = st.weightsGrad()[o][(c * k[2] + u) * k[3] + v];
        if (taps.isEmpty()) {
            doc.eq("∂L/∂" + w + " = 0\\note{the weight meets only the padding}");
            return doc;
        }
        doc.eq("∂L/∂" + w + " = " + join(names, 16) + (spec.batch() > 1 ? "\\note{sample 1; the same positions in every sample}" : ""));
        doc.eq("∂L/∂" + w + " = " + join(nums, 36) + " = " + Doc.num(g) + "\\note{" + taps.size() + (taps.size() == 1 ? " term" : " terms") + "}");
        return doc;
    }

    private static String join(List<String> terms, int most) {
        if (terms.size() <= most) return String.join(" + ", terms);
        return String.join(" + ", terms.subList(0, most - 2)) + " + … + " + terms.getLast();
    }

    // ------------------------------------------------------------------------------ words

    static String title(NetworkSpec spec) {
        StringBuilder sb = new StringBuilder("The ").append(NetworkSpec.str(spec.inputShape()));
        for (int l = 0; l < spec.layers().size(); l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            sb.append(" → ").append(switch (layer.kind()) {
                case CONV2D -> "conv";
                case MAX_POOL2D -> "max pool";
                case AVG_POOL2D -> "avg pool";
                case FLATTEN -> "flatten";
                case DENSE -> "dense";
                case RNN -> "rnn";
            }).append(' ').append(NetworkSpec.str(spec.outShape(l)));
        }
        return sb.append(" network").toString();
    }

    static String description(NetworkSpec spec) {
        int kernels = 0;
        int dense = 0;
        for (NetworkSpec.Layer l : spec.layers()) {
            if (l.kind() == Kind.CONV2D) kernels += l.inputs() * l.units();
            if (l.kind() == Kind.DENSE) dense += l.inputs() * l.units();
        }
        return "Left to right: the input's feature maps as grids, then per layer its kernels (" + kernels + " weights, a small grid per filter "
                + "and input channel) and the feature maps it makes, the flatten as a column of cells, the dense layers' units with their "
                + dense + " weights as lines, and the loss. Each cell shows its value for sample 1, blue when positive, orange when negative, "
                + "stronger when larger. Select a kernel weight to light up the input cells and ∂L/∂net cells whose products sum to its "
                + "gradient; select a pooling cell to see its window and, for a max, the input that won it (marked with a corner). "
                + "The table after the drawing lists every weight; every feature map is a table in the steps below.";
    }

    /** The drawing's key of the cell or unit of a per-sample number of layer l at flat index k: "L,c,y,x", "L,k" or "L,j". */
    static String unitKey(NetworkSpec spec, int l, int k) {
        int[] os = spec.outShape(l);
        if (os.length != 3) return l + "," + k;
        return l + "," + k / (os[1] * os[2]) + "," + k / os[2] % os[1] + "," + k % os[2];
    }

    /** The drawing's key of weight (row, col) of layer l's weights matrix: "L,o,c,u,v" for a conv2d, else "L,i,j". */
    static String weightKey(NetworkSpec spec, int l, int row, int col) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        if (layer.kind() != Kind.CONV2D) return l + "," + row + "," + col;
        int[] k = layer.kernel();
        return l + "," + row + "," + col / (k[2] * k[3]) + "," + col / k[3] % k[2] + "," + col % k[3];
    }
}
