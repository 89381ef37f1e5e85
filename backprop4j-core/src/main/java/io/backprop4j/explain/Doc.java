package io.backprop4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A small document model shared by {@link TextRenderer} and {@link MarkdownRenderer}: headings,
 * prose, formulas, equation lines and tables, written in a neutral math markup that each renderer
 * converts. Text gets Unicode math (h₁, 3·(-0.2)); markdown gets LaTeX. The markup:
 * <ul>
 *   <li>{@code _{12}} subscripts and {@code ^{x}} superscripts (they may nest the markup below);
 *   <li>{@code *} products; Greek letters, Σ, ∂, ←, √ and − as Unicode;
 *   <li>{@code net} and {@code out} for a unit's net input and output ({@code \mathrm} in LaTeX);
 *       {@code ln(}, {@code tanh(}, {@code max(}, {@code erf(} for functions;
 *   <li>{@code \text{words}}: words inside math (verbatim in text, upright in LaTeX);
 *   <li>{@code \note{words}}: a remark after a formula, " (words)" in text;
 *   <li>{@code \cases{a}{c}{b}}: a piecewise definition, "a for c, b otherwise" in text, a
 *       {@code cases} environment in LaTeX;
 *   <li>{@code \quad}: a gap, two spaces in text.
 * </ul>
 * Every other letter in math is a variable: one letter, or up to two index letters in a
 * subscript. Longer words left bare in math still come out upright in LaTeX, but use the markup.
 */
final class Doc {
    /** MARK: a named place in the document (for the HTML page: where a step begins, where answers go); no output in text or markdown. */
    enum Kind { HEADING, SUBHEADING, PROSE, FORMULA, EQUATION, TABLE, BLANK, MARK, ITEM }

    /** A line; {@code level} is the nesting of an ITEM (1 or more), 0 for the others. */
    record Line(Kind kind, String text, List<String> header, List<List<String>> rows, int level) {
        Line(Kind kind, String text, List<String> header, List<List<String>> rows) {
            this(kind, text, header, rows, 0);
        }
    }

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
    /** A named place, such as {@code step forward} or {@code layer backward 1}: text and markdown leave it out. */
    Doc mark(String name) { lines.add(new Line(Kind.MARK, name, null, null)); return this; }
    /** An item of a nested list under the prose line before it ({@code level} 1), or under an item ({@code level} 2...). */
    Doc item(int level, String s) { lines.add(new Line(Kind.ITEM, s, null, null, level)); return this; }

    /** The lines, in order. */
    List<Line> lines() {
        return java.util.Collections.unmodifiableList(lines);
    }

    // ------------------------------------------------------------------------------ numbers

    private static final java.util.regex.Pattern TRAILING_ZEROS = java.util.regex.Pattern.compile("0+$");

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
            mant = TRAILING_ZEROS.matcher(mant).replaceAll("");
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
                case MARK -> { }
                case ITEM -> sb.append("  ").append("   ".repeat(l.level())).append(text(l.text().replace("$", ""))).append('\n');
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
            if (c == '\\' && s.startsWith("\\text{", i)) {
                int end = close(s, i + 5);
                sb.append(s, i + 6, end);
                i = end;
            } else if (c == '\\' && s.startsWith("\\note{", i)) {
                int end = close(s, i + 5);
                sb.append(" (").append(text(s.substring(i + 6, end))).append(')');
                i = end;
            } else if (c == '\\' && s.startsWith("\\cases{", i)) {
                Groups cases = groups(s, i + 6, 3);
                String[] g = cases.parts();
                sb.append(text(g[0])).append(" for ").append(text(g[1])).append(", ").append(text(g[2])).append(" otherwise");
                i = cases.next() - 1;
            } else if (c == '\\' && s.startsWith("\\quad", i)) {
                sb.append("  ");
                i += 4;
            } else if ((c == '_' || c == '^') && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                int end = close(s, i + 1);
                String inner = text(s.substring(i + 2, end));
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

    /** Brace groups read by {@link #groups}: their contents, and the index just past the last one. */
    record Groups(String[] parts, int next) {
    }

    /** The {@code count} brace groups {@code {a}{b}...} that start at {@code s[at]}. */
    static Groups groups(String s, int at, int count) {
        String[] parts = new String[count];
        for (int k = 0; k < count; k++) {
            int end = close(s, at);
            parts[k] = s.substring(at + 1, end);
            at = end + 1;
        }
        return new Groups(parts, at);
    }

    /** The index of the brace that closes the one at {@code open} (or the end of {@code s}). */
    static int close(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return s.length();
    }

    // ------------------------------------------------------------------------------ markdown

    String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        Kind prev = Kind.BLANK;
        for (Line l : lines) {
            if (l.kind() == Kind.MARK) continue;
            if (l.kind() != prev && (prev == Kind.EQUATION || prev == Kind.ITEM)) sb.append('\n');
            switch (l.kind()) {
                case HEADING -> sb.append("### ").append(l.text().replace("$", "")).append("\n\n");
                case SUBHEADING -> sb.append("**").append(mdInline(l.text())).append("**\n\n");
                case PROSE -> sb.append(mdInline(l.text())).append("\n\n");
                case ITEM -> sb.append("   ".repeat(l.level())).append("- ").append(mdInline(l.text())).append('\n');
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
                case BLANK, MARK -> { }
            }
            prev = l.kind();
        }
        if (prev == Kind.EQUATION || prev == Kind.ITEM) sb.append('\n');
        return sb.toString();
    }

    private static String mdCell(String c) {
        return mathCell(c) ? "$" + latex(c) + "$" : c.replace("|", "\\|");
    }

    /**
     * Whether a table cell is math (set as a formula) rather than words or a number: it is when it
     * uses the markup, or has no word of four letters or more; numbers, marks (✓ ✗) and words are not.
     */
    static boolean mathCell(String c) {
        if (c.isEmpty()) return false;
        if (NUMBER_CELL.matcher(c).matches()) return false;
        boolean markup = c.contains("_{") || c.contains("^{") || COMMAND_CELL.matcher(c).matches();
        return !(MARK_CELL.matcher(c).matches() || !markup && WORD_CELL.matcher(c).matches());
    }

    private static final java.util.regex.Pattern NUMBER_CELL = java.util.regex.Pattern.compile("[-0-9.e]+");
    private static final java.util.regex.Pattern COMMAND_CELL = java.util.regex.Pattern.compile("(?s).*\\\\(text|note|cases)\\{.*");
    private static final java.util.regex.Pattern MARK_CELL = java.util.regex.Pattern.compile("[✓✗ ].*");
    private static final java.util.regex.Pattern WORD_CELL = java.util.regex.Pattern.compile(".*[a-zA-Z]{4,}.*");

    private static String mdInline(String s) {
        StringBuilder sb = new StringBuilder();
        String[] parts = s.split("\\$", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i % 2 == 1) sb.append('$').append(latex(parts[i])).append('$');
            else sb.append(parts[i].replace("*", "·"));
        }
        return sb.toString();
    }

    /** Words in math that are the names of a unit's values, set upright. */
    private static final Set<String> UPRIGHT = Set.of("net", "out");
    /** Functions with a LaTeX command of their own. */
    private static final Set<String> FUNCTIONS = Set.of("ln", "log", "exp", "tanh", "sinh", "cosh", "max", "min", "sin", "cos");
    /** Functions written with {@code \operatorname}. */
    private static final Set<String> OPERATORS = Set.of("erf", "softmax", "sgn");
    /** Unicode symbols and their LaTeX. */
    private static final Map<Character, String> SYMBOLS = Map.ofEntries(
            Map.entry('α', "\\alpha"), Map.entry('β', "\\beta"), Map.entry('γ', "\\gamma"), Map.entry('δ', "\\delta"),
            Map.entry('ε', "\\epsilon"), Map.entry('η', "\\eta"), Map.entry('λ', "\\lambda"), Map.entry('μ', "\\mu"),
            Map.entry('σ', "\\sigma"), Map.entry('φ', "\\phi"), Map.entry('Φ', "\\Phi"), Map.entry('Σ', "\\sum"),
            Map.entry('∂', "\\partial"), Map.entry('←', "\\leftarrow"), Map.entry('→', "\\to"), Map.entry('≈', "\\approx"),
            Map.entry('×', "\\times"), Map.entry('·', "\\cdot"), Map.entry('…', "\\dots"), Map.entry('≤', "\\le"),
            Map.entry('≥', "\\ge"), Map.entry('∞', "\\infty"), Map.entry('½', "\\tfrac{1}{2}"), Map.entry('−', "-"),
            Map.entry('²', "^{2}"), Map.entry('ˣ', "^{x}"));

    /** The markup of a formula (see the class comment) as LaTeX math, without the dollars. */
    static String latex(String s) {
        StringBuilder out = new StringBuilder();
        latex(s, false, out);
        return out.toString().strip();
    }

    /** Appends {@code s} as LaTeX; {@code script}: inside a subscript or superscript, where short letter runs are indices. */
    private static void latex(String s, boolean script, StringBuilder out) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\\' && s.startsWith("\\text{", i)) {
                int end = close(s, i + 5);
                out.append("\\text{").append(latexText(s.substring(i + 6, end))).append('}');
                i = end;
            } else if (c == '\\' && s.startsWith("\\note{", i)) {
                int end = close(s, i + 5);
                space(out);
                out.append("\\quad\\text{(").append(latexText(s.substring(i + 6, end))).append(")}");
                i = end;
            } else if (c == '\\' && s.startsWith("\\cases{", i)) {
                Groups cases = groups(s, i + 6, 3);
                String[] g = cases.parts();
                space(out);
                out.append("\\begin{cases} ").append(latex(g[0])).append(" & \\text{if } ").append(latex(g[1]))
                        .append(" \\\\ ").append(latex(g[2])).append(" & \\text{otherwise} \\end{cases}");
                i = cases.next() - 1;
            } else if (c == '\\' && s.startsWith("\\quad", i)) {
                space(out);
                command(out, "\\quad", s, i + 5);
                i += 4;
            } else if ((c == '_' || c == '^') && i + 1 < n && s.charAt(i + 1) == '{') {
                int end = close(s, i + 1);
                out.append(c).append('{');
                latex(s.substring(i + 2, end), true, out);
                out.append('}');
                i = end;
            } else if (c == '*') {
                space(out);
                out.append("\\cdot ");
                while (i + 1 < n && s.charAt(i + 1) == ' ') i++;
            } else if (c == ' ') {
                // "f'(net) h_{1}": a value of a unit; LaTeX would drop the space
                if (!out.isEmpty() && out.charAt(out.length() - 1) == ')' && i + 1 < n && isAsciiLetter(s.charAt(i + 1))) out.append("\\,");
                else space(out);
            } else if (c >= '0' && c <= '9') {
                int end = i;
                while (end < n && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) end++;
                int exp = end;
                if (exp < n && s.charAt(exp) == 'e') {
                    int d = exp + 1;
                    if (d < n && (s.charAt(d) == '-' || s.charAt(d) == '+')) d++;
                    int digits = d;
                    while (d < n && Character.isDigit(s.charAt(d))) d++;
                    if (d > digits && (d == n || !Character.isLetter(s.charAt(d)))) {
                        // 1.23457e-7: e would read as Euler's number
                        String e = s.substring(exp + 1, d);
                        out.append(s, i, exp).append(" \\times 10^{").append(e.startsWith("+") ? e.substring(1) : e).append('}');
                        i = d - 1;
                        continue;
                    }
                }
                out.append(s, i, end);
                i = end - 1;
            } else if (isAsciiLetter(c)) {
                int end = i;
                while (end < n && isAsciiLetter(s.charAt(end))) end++;
                String word = s.substring(i, end);
                if (UPRIGHT.contains(word)) {
                    out.append("\\mathrm{").append(word).append('}');
                    if (end + 1 < n && s.charAt(end) == ' ' && (isAsciiLetter(s.charAt(end + 1)) || SYMBOLS.containsKey(s.charAt(end + 1)))) {
                        out.append("\\,");
                        end++;
                    }
                    i = end - 1;
                } else if (FUNCTIONS.contains(word) && end < n && s.charAt(end) == '(') {
                    out.append('\\').append(word);
                    i = end - 1;
                } else if (OPERATORS.contains(word) && end < n && s.charAt(end) == '(') {
                    out.append("\\operatorname{").append(word).append('}');
                    i = end - 1;
                } else if (word.length() == 1 || script && word.length() <= 2) {
                    out.append(word);
                    i = end - 1;
                } else {
                    // words left bare in math: upright text, with the spaces around them kept
                    while (end + 1 < n && s.charAt(end) == ' ' && isWordAt(s, end + 1)) {
                        end++;
                        while (end < n && isAsciiLetter(s.charAt(end)) || end < n && s.charAt(end) == '\'') end++;
                    }
                    boolean before = out.length() > 0 && out.charAt(out.length() - 1) == ' ';
                    boolean after = end < n && s.charAt(end) == ' ';
                    if (before) out.setLength(out.length() - 1);
                    out.append("\\text{").append(before ? " " : "").append(latexText(s.substring(i, end))).append(after ? " " : "").append('}');
                    i = after ? end : end - 1;
                }
            } else if (c == '√') {
                int end = i + 1;
                while (end < n && Character.isLetterOrDigit(s.charAt(end)) && s.charAt(end) < 128) end++;
                if (end > i + 1) {
                    out.append("\\sqrt{");
                    latex(s.substring(i + 1, end), script, out);
                    out.append('}');
                    i = end - 1;
                } else {
                    command(out, "\\sqrt", s, i + 1);
                }
            } else if (SYMBOLS.containsKey(c)) {
                String cmd = SYMBOLS.get(c);
                if (cmd.startsWith("\\") && cmd.chars().skip(1).allMatch(Character::isLetter)) command(out, cmd, s, i + 1);
                else out.append(cmd);
            } else {
                out.append(c);
            }
        }
    }

    /** A command such as {@code \alpha}, with a space after it only where a letter follows. */
    private static void command(StringBuilder out, String cmd, String s, int next) {
        out.append(cmd);
        if (next < s.length() && isAsciiLetter(s.charAt(next))) out.append(' ');
    }

    /** One space, never two, and none at the start or after an opening brace. */
    private static void space(StringBuilder out) {
        if (out.isEmpty()) return;
        char last = out.charAt(out.length() - 1);
        if (last != ' ' && last != '{') out.append(' ');
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** Whether a word of two or more letters starts at {@code i}. */
    private static boolean isWordAt(String s, int i) {
        return i + 1 < s.length() && isAsciiLetter(s.charAt(i)) && isAsciiLetter(s.charAt(i + 1));
    }

    /** Words for {@code \text{...}}: LaTeX's special characters escaped. */
    private static String latexText(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '_', '%', '&', '#', '$', '{', '}' -> sb.append('\\').append(c);
                case '\\' -> sb.append("\\textbackslash{}");
                case '−' -> sb.append('-');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
