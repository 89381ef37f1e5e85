package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.explain.Answers.Written;
import io.backprop4j.explain.Diagnosis.Kind;
import io.backprop4j.loss.Loss;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sigmoid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * One case per entry of the mistake table ({@link Mistakes#TABLE}): each plants its mistake, worked
 * out here by hand in plain doubles (the test's own oracle), into otherwise correct answers, and
 * checks that the entry proposes that value, that the grader names it with the entry's kind and
 * sentence, and that nothing else is flagged. An entry without a case fails the registry.
 */
class MistakesTest {
    /** 3 → 3 (tanh, bias) → 3 (sigmoid, bias) → 2 (softmax), cross-entropy, a batch of 2, η = 0.1. */
    static final NetworkSpec A = GraderTest.network(7);
    static final StepSolution SA = Explainer.solve(A);
    /** 2 → 3 (relu, bias) → 2 (sigmoid, bias), binary cross-entropy on soft targets, a batch of 2. */
    static final NetworkSpec B = bce(11);
    static final StepSolution SB = Explainer.solve(B);
    /** Exercise 6.1: leaky_relu then softmax with binary cross-entropy, one sample. */
    static final NetworkSpec SEED = MarkdownRendererTest.exercise61();
    static final StepSolution SS = Explainer.solve(SEED);

    static NetworkSpec bce(long seed) {
        Random r = new Random(seed);
        double[][] w0 = rand(r, 2, 3);
        double[][] w1 = rand(r, 3, 2);
        return new NetworkSpec(rand(r, 2, 2), true, new double[][] {{0.3, 0.8}, {0.6, 0.1}}, List.of(
                new NetworkSpec.Layer(w0, rand(r, 1, 3)[0], new ReLU()),
                new NetworkSpec.Layer(w1, rand(r, 1, 2)[0], new Sigmoid())),
                Loss.BINARY_CROSS_ENTROPY, 0.1);
    }

    private static double[][] rand(Random r, int n, int m) {
        double[][] a = new double[n][m];
        for (double[] row : a) for (int j = 0; j < m; j++) row[j] = Math.round((r.nextDouble() * 2 - 1) * 1000) / 1000.0;
        return a;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    // ------------------------------------------------------------------------------ the cases

    /** A mistake planted at one number: field null is the loss. */
    record Plant(String entry, NetworkSpec spec, StepSolution s, int layer, Field field, int row, int col, double value,
                 Kind kind, String text) {}

    static final Map<String, List<Plant>> CASES = new LinkedHashMap<>();

    static void add(Plant... plants) {
        for (Plant p : plants) CASES.computeIfAbsent(p.entry(), k -> new java.util.ArrayList<>()).add(p);
    }

    static {
        StepSolution.LayerStep a0 = SA.layers().get(0), a1 = SA.layers().get(1), a2 = SA.layers().get(2);
        double[][] x = A.input();
        double[][] y = A.target();
        int n = 4;
        // another loss: the value of mse; the gradient of bce
        double mse = 0;
        for (int s = 0; s < 2; s++) for (int j = 0; j < 2; j++) mse += Math.pow(a2.output()[s][j] - y[s][j], 2) / n;
        double p01 = a2.output()[0][1];
        add(new Plant("another loss", A, SA, -1, null, 0, 0, mse, Kind.OTHER_LOSS, "the value of mse, not cross_entropy"),
                new Plant("another loss", A, SA, 2, Field.OUTPUT_GRAD, 0, 1, (p01 - 0) / (p01 * (1 - p01)) / n, Kind.OTHER_LOSS,
                        "the gradient of binary_cross_entropy, not cross_entropy"));
        // BCE halves, on soft targets
        StepSolution.LayerStep b1 = SB.layers().get(1);
        double[][] yb = B.target();
        double yTerms = 0, oneMinus = 0;
        for (int s = 0; s < 2; s++) {
            for (int j = 0; j < 2; j++) {
                double p = b1.output()[s][j];
                yTerms -= yb[s][j] * Math.log(p) / n;
                oneMinus -= (1 - yb[s][j]) * Math.log(1 - p) / n;
            }
        }
        double pb = b1.output()[1][0];
        add(new Plant("only the y·ln p terms of BCE", B, SB, -1, null, 0, 0, yTerms, Kind.MISSING_TERM,
                        "missing a term: only the y·ln p terms were summed, the (1 − y)·ln(1 − p) terms left out"),
                new Plant("only the y·ln p terms of BCE", B, SB, 1, Field.OUTPUT_GRAD, 1, 0, -yb[1][0] / pb / n, Kind.MISSING_TERM,
                        "missing a term: only the derivative of y·ln p, not of (1 − y)·ln(1 − p)"));
        add(new Plant("only the (1 − y)·ln(1 − p) terms of BCE", B, SB, -1, null, 0, 0, oneMinus, Kind.MISSING_TERM,
                        "missing a term: only the (1 − y)·ln(1 − p) terms were summed, the y·ln p terms left out"),
                new Plant("only the (1 − y)·ln(1 − p) terms of BCE", B, SB, 1, Field.OUTPUT_GRAD, 1, 0, (1 - yb[1][0]) / (1 - pb) / n,
                        Kind.MISSING_TERM, "missing a term: only the derivative of (1 − y)·ln(1 − p), not of y·ln p"));
        add(new Plant("log base 10", A, SA, -1, null, 0, 0, SA.loss() / Math.log(10), Kind.FACTOR, "log base 10 used instead of the natural log"));
        // forward
        double[][] w0 = A.layers().get(0).weights(), w1 = A.layers().get(1).weights(), w2 = A.layers().get(2).weights();
        double noBias = 0;
        for (int i = 0; i < 3; i++) noBias += x[0][i] * w0[i][1];
        add(new Plant("bias left out", A, SA, 0, Field.NET, 0, 1, noBias, Kind.MISSING_TERM, "the bias left out"));
        double transposedNet = A.layers().get(1).bias()[0];
        for (int i = 0; i < 3; i++) transposedNet += a0.output()[1][i] * w1[0][i];
        add(new Plant("weights transposed in net", A, SA, 1, Field.NET, 1, 0, transposedNet, Kind.TRANSPOSED,
                "the weights used transposed (W[j][i] for W[i][j])"));
        add(new Plant("another activation", A, SA, 0, Field.OUTPUT, 0, 2, sigmoid(a0.net()[0][2]), Kind.OTHER_ACTIVATION,
                        "the output of sigmoid, but the layer uses tanh"),
                new Plant("another activation", A, SA, 0, Field.NET_GRAD, 0, 1,
                        sigmoid(a0.net()[0][1]) * (1 - sigmoid(a0.net()[0][1])) * a0.outputGrad()[0][1], Kind.OTHER_ACTIVATION,
                        "the derivative of sigmoid, but the layer uses tanh"));
        // backward
        StepSolution.LayerStep s1 = SS.layers().get(1);
        double s0 = s1.output()[0][0];
        add(new Plant("softmax coupling missing", SEED, SS, 1, Field.NET_GRAD, 0, 0, s0 * (1 - s0) * s1.outputGrad()[0][0],
                Kind.MISSING_COUPLING, "missing the softmax coupling: only ∂s_j/∂z_j = s_j(1 − s_j) was used, not the terms "
                        + "∂s_k/∂z_j = −s_k·s_j that link each output to the others"));
        add(new Plant("activation derivative left out", A, SA, 1, Field.NET_GRAD, 1, 0, a1.outputGrad()[1][0], Kind.MISSING_TERM,
                "missing a chain-rule term: the activation's derivative f'(net) left out (net_grad = output_grad)"));
        add(new Plant("input factor left out", A, SA, 1, Field.WEIGHTS_GRAD, 0, 1, a1.netGrad()[0][1] + a1.netGrad()[1][1],
                Kind.MISSING_TERM, "missing a chain-rule term: the input factor ∂net_j/∂w_ij = x_i left out"));
        double skippedW = a0.output()[0][2] * a1.outputGrad()[0][0] + a0.output()[1][2] * a1.outputGrad()[1][0];
        double skippedB = a1.outputGrad()[0][2] + a1.outputGrad()[1][2];
        double skippedOut = 0;
        for (int j = 0; j < 3; j++) skippedOut += a1.outputGrad()[0][j] * w1[1][j];
        String skipped = "missing a chain-rule term: output_grad used where net_grad belongs (the activation's derivative skipped)";
        add(new Plant("activation derivative skipped", A, SA, 1, Field.WEIGHTS_GRAD, 2, 0, skippedW, Kind.MISSING_TERM, skipped),
                new Plant("activation derivative skipped", A, SA, 1, Field.BIAS_GRAD, 0, 2, skippedB, Kind.MISSING_TERM, skipped),
                new Plant("activation derivative skipped", A, SA, 0, Field.OUTPUT_GRAD, 0, 1, skippedOut, Kind.MISSING_TERM,
                        "missing a chain-rule term: layer 1's output_grad used where its net_grad belongs (its activation's derivative skipped)"));
        add(new Plant("one path only", A, SA, 1, Field.OUTPUT_GRAD, 1, 2, a2.netGrad()[1][0] * w2[2][0], Kind.MISSING_TERM,
                "missing chain-rule terms: only the path through unit 0 of layer 2 counted (the sum over its 2 units has one term)"));
        add(new Plant("previous net as input", A, SA, 1, Field.WEIGHTS_GRAD, 1, 1,
                a0.net()[0][1] * a1.netGrad()[0][1] + a0.net()[1][1] * a1.netGrad()[1][1], Kind.OTHER_ACTIVATION,
                "layer 0's net used as the input where its output belongs"));
        add(new Plant("one sample only", A, SA, 1, Field.WEIGHTS_GRAD, 0, 2, a0.output()[1][0] * a1.netGrad()[1][2], Kind.MISSING_TERM,
                        "missing terms: only sample 1 counted, not the sum over the batch"),
                new Plant("one sample only", A, SA, 0, Field.BIAS_GRAD, 0, 0, a0.netGrad()[0][0], Kind.MISSING_TERM,
                        "missing terms: only sample 0 counted, not the sum over the batch"));
        // updates
        add(new Plant("gradient added", A, SA, 0, Field.WEIGHTS_UPDATED, 1, 2, w0[1][2] + 0.1 * a0.weightsGrad()[1][2],
                Kind.ADDED_INSTEAD_OF_SUBTRACTED, "the gradient added instead of subtracted (w + η·g)"));
        add(new Plant("update transposed", A, SA, 1, Field.WEIGHTS_UPDATED, 0, 2, w1[0][2] - 0.1 * a1.weightsGrad()[2][0],
                Kind.TRANSPOSED, "updated with the gradient of the mirrored position (transposed)"));
        add(new Plant("update factor", A, SA, 2, Field.WEIGHTS_UPDATED, 1, 0, w2[1][0] - 2 * 0.1 * a2.weightsGrad()[1][0], Kind.FACTOR,
                        "a factor off: the step is twice η·g (check the learning rate)"),
                new Plant("update factor", A, SA, 1, Field.BIAS_UPDATED, 0, 1, A.layers().get(1).bias()[1] - 10 * 0.1 * a1.biasGrad()[1],
                        Kind.FACTOR, "a factor off: the step is 10 times η·g (check the learning rate)"));
        // any value
        add(new Plant("sign flipped", A, SA, 0, Field.NET, 1, 0, -a0.net()[1][0], Kind.SIGN_FLIPPED, "sign flipped"));
        add(new Plant("value transposed", A, SA, 1, Field.WEIGHTS_GRAD, 2, 0, a1.weightsGrad()[0][2], Kind.TRANSPOSED,
                "transposed: the value belongs at the mirrored position"));
        add(new Plant("factor", A, SA, 1, Field.OUTPUT_GRAD, 0, 0, 4 * a1.outputGrad()[0][0], Kind.FACTOR,
                "a factor off: multiplied by the element count 4 (the 1/N of the mean left out)"));
        ConvMistakeCases.add();
        RnnMistakeCases.add();
    }

    // ------------------------------------------------------------------------------ checks

    static Written w(double v) {
        return Written.parse(Double.toString(v));
    }

    /** Plants the value in answers that are otherwise the truth in full; returns the diagnosis there. */
    static Diagnosis plantAndGrade(Plant p) {
        List<Map<Field, Written[][]>> a = GraderTest.full(p.s());
        Written loss = w(p.s().loss());
        if (p.field() == null) loss = w(p.value());
        else a.get(p.layer()).get(p.field())[p.row()][p.col()] = w(p.value());
        Grader.Report r = Grader.grade(p.s(), new Answers(loss, a));
        Diagnosis found = null;
        boolean seen = false;
        for (Grader.Entry e : r.entries()) {
            boolean planted = e.field() == p.field() && (p.field() == null || (e.layer() == p.layer() && e.row() == p.row() && e.col() == p.col()));
            if (planted) {
                seen = true;
                assertFalse(e.correct(), p.entry() + ": the planted number passed: " + e);
                found = e.diagnosis();
            } else {
                assertTrue(e.correct(), p.entry() + ": false alarm at " + e);
            }
        }
        assertTrue(seen, p.entry() + ": the planted number is not among the entries");
        return found;
    }

    /** The entry's own candidates on the truth, at the planted number. */
    static void assertEntryProposes(Plant p) {
        Mistakes.Mistake m = Mistakes.TABLE.stream().filter(x -> x.name().equals(p.entry())).findFirst().orElseThrow();
        double[][] right = p.field() == null ? new double[][] {{p.s().loss()}} : p.s().layers().get(p.layer()).get(p.field());
        Mistakes.Site site = new Mistakes.Site(new Steps(p.spec()), p.layer(), p.field(), (l, f) -> p.s().layers().get(l).get(f), right);
        List<Mistakes.Candidate> cs = m.candidates().apply(site);
        for (Mistakes.Candidate c : cs) {
            if (c.text().equals(p.text())) {
                double v = c.values()[p.field() == null ? 0 : p.row()][p.field() == null ? 0 : p.col()];
                assertEquals(p.value(), v, 1e-12 * Math.max(1, Math.abs(p.value())), p.entry() + ": the entry's value");
                assertEquals(p.kind(), c.kind(), p.entry());
                return;
            }
        }
        fail(p.entry() + ": no candidate says '" + p.text() + "'; it gives " + cs.stream().map(Mistakes.Candidate::text).toList());
    }

    @TestFactory
    Stream<DynamicTest> everyEntryOfTheTableHasItsOwnCase() {
        return Mistakes.TABLE.stream().map(m -> DynamicTest.dynamicTest(m.name(), () -> {
            List<Plant> plants = CASES.get(m.name());
            assertNotNull(plants, "no planted case for the table entry '" + m.name() + "'");
            for (Plant p : plants) {
                assertEntryProposes(p);
                Diagnosis d = plantAndGrade(p);
                assertNotNull(d, p.entry() + ": not diagnosed");
                assertEquals(p.kind(), d.kind(), p.entry() + ": " + d.text());
                assertEquals(p.text(), d.text(), p.entry());
            }
        }));
    }

    @Test
    void everyCaseNamesAnEntryOfTheTable() {
        List<String> names = Mistakes.TABLE.stream().map(Mistakes.Mistake::name).toList();
        for (String name : CASES.keySet()) assertTrue(names.contains(name), "a case for an entry that does not exist: " + name);
        assertEquals(names.size(), CASES.size());
        assertEquals(names.size(), java.util.Set.copyOf(names).size(), "entry names are unique");
    }

    @Test
    void aSlippedDigitAndARoundingSlipAreNamed() {
        StepSolution.LayerStep a1 = SA.layers().get(1);
        double v = a1.net()[0][1];
        String text = new java.math.BigDecimal(v).setScale(6, java.math.RoundingMode.HALF_UP).toPlainString();
        int i = text.length() - 3;
        String slipped = text.substring(0, i) + (char) ('0' + (text.charAt(i) - '0' + 5) % 10) + text.substring(i + 1);
        Diagnosis d = plantAndGrade(new Plant("digit slip", A, SA, 1, Field.NET, 0, 1, Double.parseDouble(slipped), null, null));
        assertEquals(Kind.DIGIT_SLIP, d.kind(), slipped + " for " + v + ": " + d.text());
        Diagnosis close = plantAndGrade(new Plant("close", A, SA, 1, Field.NET, 0, 1, v * 1.004, null, null));
        assertEquals(Kind.CLOSE, close.kind(), close.text());
        assertTrue(close.text().startsWith("close to the true value (0.40% off)"), close.text());
    }
}
