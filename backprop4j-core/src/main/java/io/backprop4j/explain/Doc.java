package io.backprop4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small document model shared by {@link TextRenderer} and {@link MarkdownRenderer}: headings,
 * prose, formulas, equation lines and tables, written in a neutral math markup that each renderer
 * converts: {@code _{12}} subscripts, {@code ^{x}} superscripts, {@code *} products, Greek letters
 * and ∂ as Unicode. Text gets Unicode math (h₁, 3·(-0.2)); markdown gets LaTeX.
 */
final class Doc {
    enum Kind { HEADING, SUBHEADING, PROSE, FORMULA, EQUATION, TABLE, BLANK }

    record Line(Kind kind, String text, List<String> header, List<List<String>> rows) {}

    private final List<Line> lines = new ArrayList<>();

    Doc heading(String s) { lines.add(new Line(Kind.HEADING, s, null, null)); return this; }
    Doc subheading(String s) { lines.add(new Line(Kind.SUBHEADING, s, null, null)); return this; }
    /** Prose; {@code $...$} marks inline math. */
    Doc prose(String s) { lines.add(new Line(Kind.PROSE, s, null, null)); return this; }
    /** A general formula, displayed. */
    Doc formula(String s) { lines.add(new Line(Kind.FORMULA, s, null, null)); return this; }
    /** One worked equation. */
    Doc eq(String s) { lines.add(new Line(Kind.EQUATION, s, null, null)); return this; }
    Doc table(List<String> header, List<List<String>> rows) { lines.add(new Line(Kind.TABLE, null, header, rows)); return this; }
    Doc blank() { lines.add(new Line(Kind.BLANK, null, null, null)); return this; }

    // ------------------------------------------------------------------------------ numbers

    /** Six significant digits, trailing zeros dropped: 0.117741, -0.5, 1.5, 3.3, 1.23457e-07. */
    static String num(double v) {
        if (v == 0) return "0";
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.valueOf((long) v);
        String s = String.format(Locale.ROOT, "%.6g", v);
        String mant = s;
        String exp = "";
        int e = s.indexOf('e');
        if (e >= 0) {
            mant = s.substring(0, e);
            exp = s.substring(e);
        }
        if (mant.contains(".")) {
            mant = mant.replaceAll("0+$", "");
            if (mant.endsWith(".")) mant = mant.substring(0, mant.length() - 1);
        }
        if (!exp.isEmpty()) {
            exp = exp.replace("e+0", "e").replace("e-0", "e-").replace("e+", "e");
        }
        return mant + exp;
    }

    /** A number as a factor: negative ones in parentheses. */
    static String fac(double v) {
        String s = num(v);
        return s.startsWith("-") ? "(" + s + ")" : s;
    }

    static String sub(String base, int... idx) {
        StringBuilder sb = new StringBuilder(base).append("_{");
        boolean wide = false;
        for (int i : idx) wide |= i >= 9;
        for (int k = 0; k < idx.length; k++) {
            if (k > 0 && wide) sb.append(',');
            sb.append(idx[k] + 1);
        }
        return sb.append('}').toString();
    }

    // ------------------------------------------------------------------------------ text

    String toText() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            switch (l.kind()) {
                case HEADING -> {
                    String t = text(l.text());
                    sb.append(t).append('\n').append("=".repeat(t.length())).append('\n');
                }
                case SUBHEADING -> sb.append(text(l.text())).append('\n');
                case PROSE -> sb.append("  ").append(text(l.text().replace("$", ""))).append('\n');
                case FORMULA -> sb.append("    ").append(text(l.text())).append('\n');
                case EQUATION -> sb.append("    ").append(text(l.text())).append('\n');
                case TABLE -> textTable(sb, l);
                case BLANK -> sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static void textTable(StringBuilder sb, Line l) {
        List<List<String>> all = new ArrayList<>();
        all.add(l.header().stream().map(Doc::text).toList());
        for (List<String> r : l.rows()) all.add(r.stream().map(Doc::text).toList());
        int cols = all.get(0).size();
        int[] w = new int[cols];
        for (List<String> r : all) for (int j = 0; j < cols && j < r.size(); j++) w[j] = Math.max(w[j], r.get(j).codePointCount(0, r.get(j).length()));
        for (int i = 0; i < all.size(); i++) {
            StringBuilder row = new StringBuilder("    ");
            for (int j = 0; j < cols; j++) {
                String c = j < all.get(i).size() ? all.get(i).get(j) : "";
                row.append(c).append(" ".repeat(w[j] - c.codePointCount(0, c.length()) + (j + 1 < cols ? 2 : 0)));
            }
            sb.append(row.toString().stripTrailing()).append('\n');
            if (i == 0) {
                StringBuilder rule = new StringBuilder("    ");
                for (int j = 0; j < cols; j++) rule.append("─".repeat(w[j])).append(j + 1 < cols ? "  " : "");
                sb.append(rule).append('\n');
            }
        }
    }

    private static final String SUB_FROM = "0123456789+-=()aeoxhklmnpstij,";
    private static final String SUB_TO = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ,";
    private static final String SUP_FROM = "0123456789+-()in";
    private static final String SUP_TO = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁱⁿ";

    static String text(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c == '_' || c == '^') && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                int end = s.indexOf('}', i);
                String inner = s.substring(i + 2, end);
                String from = c == '_' ? SUB_FROM : SUP_FROM;
                String to = c == '_' ? SUB_TO : SUP_TO;
                boolean all = !inner.isEmpty() && inner.chars().allMatch(ch -> from.indexOf(ch) >= 0);
                if (all) {
                    for (char ch : inner.toCharArray()) sb.append(to.charAt(from.indexOf(ch)));
                } else {
                    sb.append(c == '^' ? "^(" : "_(").append(inner).append(')');
                }
                i = end;
            } else if (c == '*') {
                sb.append('·');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------ markdown

    String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        Kind prev = Kind.BLANK;
        for (Line l : lines) {
            if (l.kind() != Kind.EQUATION && prev == Kind.EQUATION) sb.append('\n');
            switch (l.kind()) {
                case HEADING -> sb.append("### ").append(l.text().replace("$", "")).append("\n\n");
                case SUBHEADING -> sb.append("**").append(mdInline(l.text())).append("**\n\n");
                case PROSE -> sb.append(mdInline(l.text())).append("\n\n");
                case FORMULA -> sb.append("$$").append(latex(l.text())).append("$$\n\n");
                case EQUATION -> sb.append("- $").append(latex(l.text())).append("$\n");
                case TABLE -> {
                    sb.append('|');
                    for (String h : l.header()) sb.append(' ').append(mdCell(h)).append(" |");
                    sb.append("\n|");
                    for (int j = 0; j < l.header().size(); j++) sb.append("---|");
                    sb.append('\n');
                    for (List<String> r : l.rows()) {
                        sb.append('|');
                        for (String c : r) sb.append(' ').append(mdCell(c)).append(" |");
                        sb.append('\n');
                    }
                    sb.append('\n');
                }
                case BLANK -> { }
            }
            prev = l.kind();
        }
        if (prev == Kind.EQUATION) sb.append('\n');
        return sb.toString();
    }

    private static String mdCell(String c) {
        if (c.isEmpty()) return "";
        if (c.matches("[-0-9.e]+")) return c;
        if (c.matches("[✓✗ ].*|.*[a-zA-Z]{4,}.*") && !c.contains("_{")) return c.replace("|", "\\|");
        return "$" + latex(c) + "$";
    }

    private static String mdInline(String s) {
        StringBuilder sb = new StringBuilder();
        String[] parts = s.split("\\$", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i % 2 == 1) sb.append('$').append(latex(parts[i])).append('$');
            else sb.append(parts[i].replace("*", "·"));
        }
        return sb.toString();
    }

    static String latex(String s) {
        String t = s;
        t = t.replace("∂L/∂", "\\partial L/\\partial ");
        t = t.replace("∂", "\\partial ");
        t = t.replace("net ", "\\mathrm{net}\\,").replace("out ", "\\mathrm{out}\\,");
        t = t.replace("*", " \\cdot ").replace("−", "-").replace("Σ", "\\sum ").replace("η", "\\eta ")
                .replace("α", "\\alpha ").replace("σ", "\\sigma ").replace("δ", "\\delta ").replace("Φ", "\\Phi ")
                .replace("φ", "\\phi ").replace("ln(", "\\ln(").replace("←", "\\leftarrow ").replace("→", "\\to ")
                .replace("erf(", "\\operatorname{erf}(").replace("tanh(", "\\tanh(").replace("max(", "\\max(")
                .replace("√", "\\sqrt ").replace("≈", "\\approx ").replace("×", "\\times ");
        return t;
    }
}
