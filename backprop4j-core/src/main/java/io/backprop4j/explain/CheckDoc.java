package io.backprop4j.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a grading report as a {@link Doc}: a table per quantity, then the mistakes. */
final class CheckDoc {
    private CheckDoc() {}

    static Doc build(Grader.Report r) {
        Doc doc = new Doc();
        long wrong = r.wrongCount();
        doc.heading("Check: " + count(r.entries().size()) + ", " + r.correctCount() + " correct, " + wrong + " wrong");
        doc.prose("A number is correct when it matches the true value to the precision written (relative tolerance "
                + Doc.num(r.tolerance()) + ", or the true value rounded or truncated to the decimals given). "
                + "Updated weights are judged by the step they imply, (old − new)/η. Indexes count from 0."
                + (r.tooFewDigitsCount() == 0 ? "" : " A number with fewer than " + r.neededDigits() + " significant digits "
                        + "(for this tolerance) that agrees with the true value only to its own digits is marked not enough digits, "
                        + "and is not correct."));
        doc.blank();
        Map<String, List<Grader.Entry>> byQuantity = new LinkedHashMap<>();
        for (Grader.Entry e : r.entries()) byQuantity.computeIfAbsent(e.quantity(), k -> new ArrayList<>()).add(e);
        for (Map.Entry<String, List<Grader.Entry>> q : byQuantity.entrySet()) {
            List<Grader.Entry> es = q.getValue();
            Field f = es.get(0).field();
            int rows = es.stream().mapToInt(Grader.Entry::row).max().orElse(0) + 1;
            int cols = es.stream().mapToInt(Grader.Entry::col).max().orElse(0) + 1;
            NetworkSpec spec = r.solution().spec();
            int l = es.get(0).layer();
            boolean image = f != null && spec.layers().get(l).kind() != NetworkSpec.Kind.DENSE;
            String layout = f == null ? "" : image ? " (" + Answers.layout(spec, l, f) + ")"
                    : f.perSample() ? (rows > 1 ? " (samples x units)" : "") : f.bias() ? "" : " (inputs x units)";
            doc.subheading(q.getKey() + layout);
            List<String> header = new ArrayList<>(List.of(""));
            for (int j = 0; j < cols; j++) header.add(f == null ? "given" : image ? column(spec, l, f, j, r) : "[" + j + "]");
            // Each row of the person's numbers, and under a row with a wrong number a "true" row
            // giving the true value beneath each wrong one.
            List<List<String>> given = new ArrayList<>();
            List<List<String>> truth = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                given.add(row(f == null || rows == 1 ? "" : "[" + i + "]", cols));
                truth.add(null);
            }
            for (Grader.Entry e : es) {
                given.get(e.row()).set(e.col() + 1, given(e) + (e.correct() ? " ✓" : " ✗"));
                if (e.correct()) continue;
                if (truth.get(e.row()) == null) truth.set(e.row(), row("true", cols));
                truth.get(e.row()).set(e.col() + 1, Doc.num(e.expected()));
            }
            List<List<String>> table = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                table.add(given.get(i));
                if (truth.get(i) != null) table.add(truth.get(i));
            }
            doc.table(header, table);
            doc.blank();
        }
        List<Grader.Cause> causes = r.causes();
        if (causes.isEmpty()) {
            doc.prose("No mistakes found.");
            return doc;
        }
        doc.heading("Mistakes, the first one first");
        doc.prose(summary(causes) + ".");
        int n = 0;
        for (Grader.Cause c : causes) {
            n++;
            Grader.Entry head = c.first();
            doc.prose(n + ". " + (head == r.firstMistake() ? "FIRST MISTAKE " : "") + line(r, head) + ": " + what(head));
            for (Grader.Entry e : c.numbers().subList(1, c.numbers().size())) {
                String same = what(e).equals(what(head)) ? "the same mistake" : what(e);
                doc.item(1, line(r, e) + ": " + same);
            }
            if (!c.carried().isEmpty()) {
                doc.item(1, "carried over from " + (c.numbers().size() == 1 ? "it" : "them") + ": " + count(c.carried().size())
                        + ", each computed correctly from your own wrong numbers");
                for (Grader.Entry e : c.carried()) {
                    doc.item(2, line(r, e) + ", from your own " + e.diagnosis().from());
                }
            }
        }
        return doc;
    }

    /** Column j of an image layer's field: its indices after the row's (the sample's or the filter's), such as [1][0][2]. */
    private static String column(NetworkSpec spec, int l, Field f, int j, Grader.Report r) {
        String p = Grader.path(spec, l, f, 0, j, r.solution().layers().get(l).get(f)[0].length);
        String idx = p.substring(p.indexOf('[', p.indexOf('.')));
        boolean rowDim = !f.bias() && !(f.perSample() && !spec.batched());
        return rowDim ? idx.substring(idx.indexOf(']') + 1) : idx;
    }

    /** A table row: its label, then {@code cols} empty cells. */
    private static List<String> row(String label, int cols) {
        List<String> row = new ArrayList<>(List.of(label));
        for (int j = 0; j < cols; j++) row.add("");
        return row;
    }

    /** "4 mistakes (6 numbers); 35 numbers carried over from them". */
    static String summary(List<Grader.Cause> causes) {
        int own = 0;
        int carried = 0;
        for (Grader.Cause c : causes) {
            own += c.numbers().size();
            carried += c.carried().size();
        }
        String s = causes.size() + (causes.size() == 1 ? " mistake" : " mistakes") + (own == causes.size() ? "" : " (" + count(own) + ")");
        if (carried > 0) s += "; " + count(carried) + " carried over from " + (causes.size() == 1 ? "it" : "them");
        return s;
    }

    private static String count(int n) {
        return n + (n == 1 ? " number" : " numbers");
    }

    private static String what(Grader.Entry e) {
        return e.diagnosis() == null ? "wrong; no known mistake matches" : e.diagnosis().text();
    }

    /** "path: given, true value" and, for an update, the step it implies. */
    private static String line(Grader.Report r, Grader.Entry e) {
        return e.path() + ": " + given(e) + ", true " + Doc.num(e.expected()) + step(r, e);
    }

    /** For an updated weight: " (a step of ...·η where the gradient is ...)"; else "". */
    static String step(Grader.Report r, Grader.Entry e) {
        if (e.field() == null || !e.field().update() || r.solution().spec().learningRate() == null) return "";
        double lr = r.solution().spec().learningRate();
        NetworkSpec.Layer layer = r.solution().spec().layers().get(e.layer());
        double old = Tolerance.oldParam(layer, e.field(), e.row(), e.col());
        return " (a step of " + Doc.num((old - e.given()) / lr) + "·η where the gradient is " + Doc.num((old - e.expected()) / lr) + ")";
    }

    /** The number as written: its value to the decimals it was written with. */
    static String given(Grader.Entry e) {
        return new java.math.BigDecimal(e.given()).setScale(Math.min(e.decimals(), 17), java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString().replaceAll("^-?0$", "0");
    }
}
