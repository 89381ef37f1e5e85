package io.backprop4j.tensor;

import java.util.Locale;

/**
 * Prints tensors as PyTorch does: {@code tensor([[ 1.0000, -2.5000], ...])}, four decimals, or
 * scientific notation when magnitudes span too widely, with "..." in large dims.
 */
final class TensorFormat {
    private static final int SUMMARIZE_ABOVE = 1000, EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        double[] v = t.toDoubleArray();
        int[] shape = t.shape();
        boolean summarize = v.length > SUMMARIZE_ABOVE;
        Style style = switch (t.dtype()) {
            case INT64 -> new Style(true, false, Kind.INTEGER);
            case BOOL -> new Style(true, false, Kind.BOOL);
            default -> Style.of(v);
        };
        int width = 0;
        for (double x : v) width = Math.max(width, style.text(x).length());
        StringBuilder sb = new StringBuilder("tensor(");
        if (shape.length == 0) {
            sb.append(style.text(v[0]));
        } else {
            write(sb, v, shape, 0, 0, width, style, summarize, "tensor(".length() + 1);
        }
        if (t.dtype() == DType.FLOAT64) sb.append(", dtype=float64");   // float32 and int64 are the defaults, bool shows itself
        if (t.gradFn() != null) sb.append(", grad_fn=<").append(t.gradFn().name()).append(">");
        else if (t.requiresGrad()) sb.append(", requires_grad=true");
        return sb.append(')').toString();
    }

    private static void write(StringBuilder sb, double[] v, int[] shape, int dim, int base, int width,
                              Style style, boolean summarize, int indent) {
        int n = shape[dim];
        int block = 1;
        for (int i = dim + 1; i < shape.length; i++) block *= shape[i];
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(dim == shape.length - 1 ? "..." : "...");
                i = n - EDGE - 1;
                sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim));
                continue;
            }
            if (dim == shape.length - 1) {
                String s = style.text(v[base + i]);
                sb.append(" ".repeat(width - s.length())).append(s);
                if (i < n - 1) sb.append(", ");
            } else {
                write(sb, v, shape, dim + 1, base + i * block, width, style, summarize, indent);
                if (i < n - 1) sb.append(',').append("\n".repeat(shape.length - dim - 1)).append(" ".repeat(indent + dim));
            }
        }
        sb.append(']');
    }

    /** What the elements are: floats (printed as PyTorch prints floats), integers (no point), booleans. */
    private enum Kind { FLOAT, INTEGER, BOOL }

    private record Style(boolean integers, boolean scientific, Kind kind) {
        static Style of(double[] v) {
            boolean ints = true;
            double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
            for (double x : v) {
                if (!Double.isFinite(x)) continue;
                if (x != Math.rint(x)) ints = false;
                double a = Math.abs(x);
                if (a > 0) {
                    maxAbs = Math.max(maxAbs, a);
                    minAbs = Math.min(minAbs, a);
                }
            }
            boolean sci = maxAbs > 0 && (maxAbs / minAbs > 1000 || maxAbs >= 1e8 || minAbs < 1e-4);
            if (ints) sci = maxAbs >= 1e8;
            return new Style(ints, sci, Kind.FLOAT);
        }

        String text(double x) {
            if (kind == Kind.BOOL) return x != 0 ? "True" : "False";
            if (kind == Kind.INTEGER) return String.format(Locale.ROOT, "%.0f", x);
            if (Double.isNaN(x)) return "nan";
            if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
            if (scientific) return String.format(Locale.ROOT, "%.4e", x);
            if (integers) return String.format(Locale.ROOT, "%.0f.", x);
            return String.format(Locale.ROOT, "%.4f", x);
        }
    }
}
