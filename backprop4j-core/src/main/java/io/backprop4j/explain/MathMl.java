package io.backprop4j.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The math markup of {@link Doc} as MathML Core, the presentation markup that browsers render
 * natively (no script, no font download): the same source that {@link Doc#text} turns into Unicode
 * and {@link Doc#latex} into LaTeX.
 *
 * <pre>{@code
 * MathMl.inline("net h_{1} = 3*(-0.2)")
 * // <math><mrow><mi>net</mi><mspace width="0.17em"/><msub><mi>h</mi><mn>1</mn></msub><mo>=</mo>
 * //   <mn>3</mn><mo>·</mo><mo>(</mo><mo>−</mo><mn>0.2</mn><mo>)</mo></mrow></math>
 * }</pre>
 *
 * A subscript or superscript binds to the atom before it; {@code Σ} takes its subscript under it
 * (beside it in running text, as the browser's {@code movablelimits} decides).
 */
final class MathMl {
    private MathMl() {}

    private static final Set<String> UPRIGHT = Set.of("net", "out");
    private static final Set<String> FUNCTIONS = Set.of("ln", "log", "exp", "tanh", "sinh", "cosh", "max", "min", "sin", "cos",
            "erf", "softmax", "sgn");
    private static final String OPERATORS = "=+−-×·/()[]{},;:←→≈≤≥<>|!…∈";
    private static final String NBSP = "\u00a0";

    /** Inline math: {@code <math>...</math>}. */
    static String inline(String markup) {
        return "<math>" + row(markup, false) + "</math>";
    }

    /** Displayed math, on a line of its own. */
    static String block(String markup) {
        return "<math display=\"block\">" + row(markup, false) + "</math>";
    }

    /** One atom: a token or a group, with the scripts attached to it. */
    private static final class Atom {
        final String base;
        final boolean largeOp;
        String sub;
        String sup;

        Atom(String base, boolean largeOp) {
            this.base = base;
            this.largeOp = largeOp;
        }

        String xml() {
            if (sub == null && sup == null) return base;
            if (largeOp) {
                if (sup == null) return "<munder>" + base + sub + "</munder>";
                if (sub == null) return "<mover>" + base + sup + "</mover>";
                return "<munderover>" + base + sub + sup + "</munderover>";
            }
            if (sup == null) return "<msub>" + base + sub + "</msub>";
            if (sub == null) return "<msup>" + base + sup + "</msup>";
            return "<msubsup>" + base + sub + sup + "</msubsup>";
        }
    }

    /** The markup as one {@code <mrow>}; {@code script}: inside a subscript, where short letter runs are indices. */
    static String row(String s, boolean script) {
        List<Atom> atoms = new ArrayList<>();
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\\' && s.startsWith("\\text{", i)) {
                int end = Doc.close(s, i + 5);
                atoms.add(new Atom(mtext(s.substring(i + 6, end)), false));
                i = end;
            } else if (c == '\\' && s.startsWith("\\note{", i)) {
                int end = Doc.close(s, i + 5);
                atoms.add(new Atom("<mspace width=\"1em\"/>", false));
                atoms.add(new Atom(mtext("(" + Doc.text(s.substring(i + 6, end)) + ")"), false));
                i = end;
            } else if (c == '\\' && s.startsWith("\\cases{", i)) {
                Doc.Groups cases = Doc.groups(s, i + 6, 3);
                String[] g = cases.parts();
                atoms.add(new Atom("<mrow><mo stretchy=\"true\">{</mo><mtable columnalign=\"left\">"
                        + "<mtr><mtd>" + row(g[0], false) + "</mtd><mtd>" + mtext("if ") + row(g[1], false) + "</mtd></mtr>"
                        + "<mtr><mtd>" + row(g[2], false) + "</mtd><mtd>" + mtext("otherwise") + "</mtd></mtr>"
                        + "</mtable></mrow>", false));
                i = cases.next() - 1;
            } else if (c == '\\' && s.startsWith("\\quad", i)) {
                atoms.add(new Atom("<mspace width=\"1em\"/>", false));
                i += 4;
            } else if ((c == '_' || c == '^') && i + 1 < n) {
                String script1;
                if (s.charAt(i + 1) == '{') {
                    int end = Doc.close(s, i + 1);
                    script1 = row(s.substring(i + 2, end), true);
                    i = end;
                } else {
                    // z_k: one character, as LaTeX reads it
                    script1 = row(s.substring(i + 1, i + 2), true);
                    i++;
                }
                attach(atoms, c == '_', script1);
            } else if (c == '*') {
                atoms.add(new Atom("<mo>·</mo>", false));
                while (i + 1 < n && s.charAt(i + 1) == ' ') i++;
            } else if (c == ' ') {
                // "f'(net) h_{1}": a value of a unit; keep a thin gap where LaTeX gets \,
                if (i > 0 && s.charAt(i - 1) == ')' && i + 1 < n && isAsciiLetter(s.charAt(i + 1))) {
                    atoms.add(new Atom("<mspace width=\"0.17em\"/>", false));
                }
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
                        // 1.23457e-7 as 1.23457 × 10⁻⁷: e would read as Euler's number
                        String e = s.substring(exp + 1, d);
                        String sign = e.startsWith("-") ? "<mo>−</mo>" : "";
                        String digitsOnly = e.replaceFirst("^[-+]", "");
                        atoms.add(new Atom("<mn>" + s.substring(i, exp) + "</mn>", false));
                        atoms.add(new Atom("<mo>×</mo>", false));
                        atoms.add(new Atom("<msup><mn>10</mn><mrow>" + sign + "<mn>" + digitsOnly + "</mn></mrow></msup>", false));
                        i = d - 1;
                        continue;
                    }
                }
                atoms.add(new Atom("<mn>" + s.substring(i, end) + "</mn>", false));
                i = end - 1;
            } else if (isAsciiLetter(c)) {
                int end = i;
                while (end < n && isAsciiLetter(s.charAt(end))) end++;
                String word = s.substring(i, end);
                if (UPRIGHT.contains(word)) {
                    atoms.add(new Atom("<mi>" + word + "</mi>", false));
                    if (end + 1 < n && s.charAt(end) == ' ') {
                        atoms.add(new Atom("<mspace width=\"0.17em\"/>", false));
                        end++;
                    }
                    i = end - 1;
                } else if (FUNCTIONS.contains(word) && end < n && s.charAt(end) == '(') {
                    atoms.add(new Atom("<mi>" + word + "</mi>", false));
                    atoms.add(new Atom("<mo>\u2061</mo>", false));
                    i = end - 1;
                } else if (word.length() == 1 || script && word.length() <= 2) {
                    for (char ch : word.toCharArray()) atoms.add(new Atom("<mi>" + ch + "</mi>", false));
                    i = end - 1;
                } else {
                    // words left bare in math: upright text, with the spaces around them kept
                    while (end + 1 < n && s.charAt(end) == ' ' && isWordAt(s, end + 1)) {
                        end++;
                        while (end < n && isAsciiLetter(s.charAt(end)) || end < n && s.charAt(end) == '\'') end++;
                    }
                    boolean before = i > 0 && s.charAt(i - 1) == ' ';
                    boolean after = end < n && s.charAt(end) == ' ';
                    atoms.add(new Atom(mtext((before ? " " : "") + s.substring(i, end) + (after ? " " : "")), false));
                    i = after ? end : end - 1;
                }
            } else if (c == '√') {
                int end = i + 1;
                while (end < n && Character.isLetterOrDigit(s.charAt(end)) && s.charAt(end) < 128) end++;
                if (end > i + 1) {
                    atoms.add(new Atom("<msqrt>" + row(s.substring(i + 1, end), script) + "</msqrt>", false));
                    i = end - 1;
                } else {
                    atoms.add(new Atom("<mo>√</mo>", false));
                }
            } else if (c == 'Σ') {
                atoms.add(new Atom("<mo>∑</mo>", true));
            } else if (c == '½') {
                atoms.add(new Atom("<mfrac><mn>1</mn><mn>2</mn></mfrac>", false));
            } else if (c == '²') {
                attach(atoms, false, "<mn>2</mn>");
            } else if (c == 'ˣ') {
                attach(atoms, false, "<mi>x</mi>");
            } else if (c == '\'') {
                attach(atoms, false, "<mo lspace=\"0\" rspace=\"0\">′</mo>");
            } else if ((c == '-' || c == '−') && unary(s, i)) {
                // a negative number, such as (-0.2): one token, with no gap after the sign
                int end = i + 1;
                while (end < n && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) end++;
                if (end < n && s.charAt(end) == 'e' && end + 1 < n && (Character.isDigit(s.charAt(end + 1)) || s.charAt(end + 1) == '-')) {
                    // -1.5e-7: the mantissa with its sign, the power of ten after it
                    atoms.add(new Atom("<mo form=\"prefix\" lspace=\"0\" rspace=\"0\">−</mo>", false));
                    continue;
                }
                atoms.add(new Atom("<mn>−" + s.substring(i + 1, end) + "</mn>", false));
                i = end - 1;
            } else if ((c == '-' || c == '−') && signAt(s, i)) {
                // a sign, as in −(1/N): no gap after it
                atoms.add(new Atom("<mo form=\"prefix\" lspace=\"0\" rspace=\"0.05em\">−</mo>", false));
            } else if (c == '-' || c == '−') {
                atoms.add(new Atom("<mo>−</mo>", false));
            } else if (c == '/') {
                atoms.add(new Atom("<mo lspace=\"0\" rspace=\"0\">/</mo>", false));
            } else if (c == '(' || c == ')' || c == '[' || c == ']') {
                // parentheses of a linear formula: never stretched by a script inside them
                atoms.add(new Atom("<mo stretchy=\"false\">" + c + "</mo>", false));
            } else if (OPERATORS.indexOf(c) >= 0 || c == '✓' || c == '✗') {
                atoms.add(new Atom("<mo>" + escape(String.valueOf(c)) + "</mo>", false));
            } else {
                atoms.add(new Atom("<mi>" + escape(String.valueOf(c)) + "</mi>", false));
            }
        }
        StringBuilder out = new StringBuilder("<mrow>");
        for (Atom a : atoms) out.append(a.xml());
        return out.append("</mrow>").toString();
    }

    /** Attaches a script to the last atom (an empty one when there is none, or when that slot is taken). */
    private static void attach(List<Atom> atoms, boolean sub, String script) {
        Atom last = atoms.isEmpty() ? null : atoms.getLast();
        if (last == null || (sub ? last.sub : last.sup) != null) {
            last = new Atom("<mrow></mrow>", false);
            atoms.add(last);
        }
        if (sub) last.sub = script;
        else last.sup = script;
    }

    /** Words inside math; spaces at either end kept (a token's own spaces are trimmed by the browser). */
    private static String mtext(String words) {
        String t = escape(words);
        if (t.startsWith(" ")) t = NBSP + t.substring(1);
        if (t.endsWith(" ")) t = t.substring(0, t.length() - 1) + NBSP;
        return "<mtext>" + t + "</mtext>";
    }

    /** Whether the minus at {@code i} is the sign of the number after it: a digit follows, and no value precedes it. */
    private static boolean unary(String s, int i) {
        return i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)) && signAt(s, i);
    }

    /** Whether the minus at {@code i} is a sign rather than a subtraction: nothing, or an operator or an opening bracket, before it. */
    private static boolean signAt(String s, int i) {
        int k = i - 1;
        while (k >= 0 && s.charAt(k) == ' ') k--;
        if (k < 0) return true;
        char p = s.charAt(k);
        return "(=[,+*·×/^{:;".indexOf(p) >= 0;
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isWordAt(String s, int i) {
        return i + 1 < s.length() && isAsciiLetter(s.charAt(i)) && isAsciiLetter(s.charAt(i + 1));
    }

    /** Text for HTML and MathML: {@code & < > "} as entities. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
