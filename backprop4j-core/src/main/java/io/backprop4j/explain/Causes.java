package io.backprop4j.explain;

import io.backprop4j.explain.Diagnosis.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Groups a report's wrong numbers by root cause ({@link Grader.Cause}). */
final class Causes {
    private Causes() {}

    static List<Grader.Cause> of(Grader.Report r) {
        Map<String, Grader.Entry> wrong = new HashMap<>();
        for (Grader.Entry e : r.entries()) if (!e.correct()) wrong.put(e.path(), e);
        Map<String, List<Grader.Entry>> numbers = new LinkedHashMap<>();
        Map<String, List<Grader.Entry>> carried = new HashMap<>();
        Map<String, String> keyOfRoot = new HashMap<>();
        for (Grader.Entry e : r.entries()) {
            if (e.correct() || carriedOver(e)) continue;
            String key = key(e);
            numbers.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
            keyOfRoot.put(e.path(), key);
        }
        for (Grader.Entry e : r.entries()) {
            if (e.correct() || !carriedOver(e)) continue;
            Grader.Entry root = root(e, wrong);
            String key = keyOfRoot.get(root.path());
            if (key == null) {
                // a chain that ends at a carried-over number (not expected): that number stands for its mistake
                key = "carried " + root.path();
                numbers.computeIfAbsent(key, k -> new ArrayList<>()).add(root);
                keyOfRoot.put(root.path(), key);
                if (root == e) continue;
            }
            carried.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }
        List<Grader.Cause> out = new ArrayList<>();
        String firstKey = r.firstMistake() == null ? null : keyOfRoot.get(r.firstMistake().path());
        if (firstKey != null) out.add(new Grader.Cause(numbers.get(firstKey), carried.getOrDefault(firstKey, List.of())));
        for (Map.Entry<String, List<Grader.Entry>> g : numbers.entrySet()) {
            if (g.getKey().equals(firstKey)) continue;
            out.add(new Grader.Cause(g.getValue(), carried.getOrDefault(g.getKey(), List.of())));
        }
        return out;
    }

    private static boolean carriedOver(Grader.Entry e) {
        return e.diagnosis() != null && e.diagnosis().kind() == Kind.CARRIED_OVER;
    }

    /** Follows the carried-over chain back to the first number that is not carried over. */
    private static Grader.Entry root(Grader.Entry e, Map<String, Grader.Entry> wrong) {
        Grader.Entry at = e;
        for (int guard = 0; guard <= wrong.size() && carriedOver(at); guard++) {
            Grader.Entry up = at.diagnosis().from() == null ? null : wrong.get(at.diagnosis().from());
            if (up == null || up == at) break;
            at = up;
        }
        return at;
    }

    /**
     * Numbers of one quantity with the same recognised mistake are one mistake (the text without the
     * path it was applied to); slips and unrecognised numbers stand alone.
     */
    private static String key(Grader.Entry e) {
        Diagnosis d = e.diagnosis();
        if (d == null || d.kind() == Kind.DIGIT_SLIP || d.kind() == Kind.CLOSE) return "one " + e.path();
        if (d.kind() == Kind.NOT_ENOUGH_DIGITS) return e.quantity() + " " + d.kind();
        String text = d.from() == null ? d.text() : d.text().replace(d.from(), "");
        return e.quantity() + " " + d.kind() + " " + text;
    }
}
