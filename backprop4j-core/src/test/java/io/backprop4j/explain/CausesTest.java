package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.explain.Diagnosis.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The grouping of wrong numbers by root cause: every wrong number in one cause, carried-over chains ending at its mistake. */
class CausesTest {
    /** The spec with one weight of layer {@code l} moved: the answers a person gets from a misread weight. */
    static NetworkSpec misread(NetworkSpec spec, int l, int i, int j, double by) {
        List<NetworkSpec.Layer> layers = new ArrayList<>();
        for (int k = 0; k < spec.layers().size(); k++) {
            NetworkSpec.Layer layer = spec.layers().get(k);
            double[][] w = new double[layer.inputs()][];
            for (int r = 0; r < w.length; r++) w[r] = layer.weights()[r].clone();
            if (k == l) w[i][j] += by;
            layers.add(new NetworkSpec.Layer(w, layer.bias(), layer.activation()));
        }
        return new NetworkSpec(spec.input(), spec.batched(), spec.target(), layers, spec.loss(), spec.learningRate());
    }

    @Test
    void aMisreadWeightIsOneCauseOfEverythingAfterIt() {
        for (long seed = 1; seed <= 6; seed++) {
            NetworkSpec spec = GraderTest.network(seed);
            StepSolution truth = Explainer.solve(spec);
            StepSolution theirs = Explainer.solve(misread(spec, 1, 0, 1, 0.25));
            Grader.Report r = Grader.grade(truth, new Answers(GraderTest.w(theirs.loss()), GraderTest.full(theirs)));
            List<Grader.Cause> causes = r.causes();
            checkInvariants(r, causes);
            assertTrue(r.wrongCount() > 10, "seed " + seed + ": " + r.wrongCount());
            // the misread weight's column of layer 1's net is the first mistake; layer 2's net is carried over from it
            Grader.Cause first = causes.getFirst();
            assertEquals("layers[1].net", first.first().quantity(), "seed " + seed);
            assertTrue(first.carried().stream().anyMatch(e -> e.path().startsWith("layers[2].net")), "seed " + seed);
            long carried = causes.stream().mapToLong(c -> c.carried().size()).sum();
            assertTrue(carried > r.wrongCount() / 2, "seed " + seed + ": most numbers are carried over, " + carried);
        }
    }

    @Test
    void oneMistakeInEveryNumberOfAQuantityIsOneCause() {
        NetworkSpec spec = GraderTest.network(3);
        StepSolution truth = Explainer.solve(spec);
        var layers = GraderTest.full(truth);
        // every net_grad of layer 2 with its sign flipped, nothing after it given
        Answers.Written[][] ng = layers.get(2).get(Field.NET_GRAD);
        for (int b = 0; b < ng.length; b++) for (int j = 0; j < ng[b].length; j++) ng[b][j] = GraderTest.w(-ng[b][j].value());
        for (int l = 0; l < 3; l++) {
            for (Field f : new Field[] {Field.WEIGHTS_GRAD, Field.BIAS_GRAD, Field.WEIGHTS_UPDATED, Field.BIAS_UPDATED}) layers.get(l).remove(f);
            if (l < 2) {
                layers.get(l).remove(Field.OUTPUT_GRAD);
                layers.get(l).remove(Field.NET_GRAD);
            }
        }
        Grader.Report r = Grader.grade(truth, new Answers(GraderTest.w(truth.loss()), layers));
        List<Grader.Cause> causes = r.causes();
        checkInvariants(r, causes);
        assertEquals(1, causes.size(), causes.toString());
        assertEquals(Kind.SIGN_FLIPPED, causes.getFirst().kind());
        assertEquals(4, causes.getFirst().numbers().size());
    }

    @Test
    void noMistakesNoCauses() {
        StepSolution truth = Explainer.solve(GraderTest.network(2));
        Grader.Report r = Grader.grade(truth, new Answers(GraderTest.w(truth.loss()), GraderTest.full(truth)));
        assertTrue(r.causes().isEmpty());
    }

    static void checkInvariants(Grader.Report r, List<Grader.Cause> causes) {
        Map<String, Grader.Cause> causeOf = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (Grader.Cause c : causes) {
            assertFalse(c.numbers().isEmpty());
            for (Grader.Entry e : c.numbers()) {
                assertFalse(e.correct(), e.path());
                assertTrue(e.diagnosis() == null || e.diagnosis().kind() != Kind.CARRIED_OVER, "a mistake is not carried over: " + e);
                assertEquals(c.first().quantity(), e.quantity(), "one cause, one quantity");
                assertEquals(c.kind(), e.diagnosis() == null ? null : e.diagnosis().kind(), "one cause, one kind");
                assertTrue(seen.add(e.path()), "in one cause only: " + e.path());
                causeOf.put(e.path(), c);
            }
            for (Grader.Entry e : c.carried()) {
                assertFalse(e.correct(), e.path());
                assertNotNull(e.diagnosis());
                assertEquals(Kind.CARRIED_OVER, e.diagnosis().kind(), e.toString());
                assertTrue(seen.add(e.path()), "in one cause only: " + e.path());
                causeOf.put(e.path(), c);
            }
        }
        assertEquals(r.wrongCount(), seen.size(), "every wrong number is in a cause");
        Map<String, Grader.Entry> byPath = new HashMap<>();
        for (Grader.Entry e : r.entries()) byPath.put(e.path(), e);
        for (Grader.Cause c : causes) {
            for (Grader.Entry e : c.carried()) {
                // the from chain leads back to a number of the same cause's mistake
                Grader.Entry at = e;
                while (at.diagnosis() != null && at.diagnosis().kind() == Kind.CARRIED_OVER) at = byPath.get(at.diagnosis().from());
                assertTrue(c.numbers().contains(at), e.path() + " leads to " + at.path());
            }
        }
        if (r.firstMistake() != null) assertSame(causes.getFirst(), causeOf.get(r.firstMistake().path()));
    }
}
