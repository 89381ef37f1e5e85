package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.explain.Answers.Written;
import io.backprop4j.explain.Diagnosis.Kind;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A number written with too few digits to judge is "not enough digits" and not correct (issue 18,
 * item 8: "0" was accepted for any true value below 1, and {@code 1e-2147483648} overflowed the
 * decimal count and was accepted as the loss).
 */
class TooFewDigitsTest {
    /** Exercise 6.1: outputs [0.117741, 0.882259], loss 0.125269, weights_updated[0][0] −0.200283. */
    static final StepSolution SEED = Explainer.solve(MarkdownRendererTest.exercise61());

    private static Grader.Report grade(Written loss, int layer, Field f, String... values) {
        return grade(loss, layer, f, Grader.DEFAULT_TOLERANCE, values);
    }

    private static Grader.Report grade(Written loss, int layer, Field f, double tolerance, String... values) {
        List<Map<Field, Written[][]>> layers = List.of(new EnumMap<>(Field.class), new EnumMap<>(Field.class));
        if (f != null) {
            // the first row as given, any other rows (the weights of the other inputs) left blank
            int rows = SEED.layers().get(layer).get(f).length;
            Written[][] w = new Written[rows][values.length];
            for (int j = 0; j < values.length; j++) w[0][j] = Written.parse(values[j]);
            layers.get(layer).put(f, w);
        }
        return Grader.grade(SEED, new Answers(loss, layers), tolerance);
    }

    private static Grader.Entry entry(Grader.Report r, String path) {
        return r.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow(() -> new AssertionError(path));
    }

    private static Kind kind(Grader.Report r, String path) {
        Diagnosis d = entry(r, path).diagnosis();
        return d == null ? null : d.kind();
    }

    @Test
    void zerosForTheSoftmaxOutputsAreNotEnoughDigits() {
        Grader.Report r = grade(null, 1, Field.OUTPUT, "0", "0");
        for (String p : List.of("layers[1].output[0]", "layers[1].output[1]")) {
            assertFalse(entry(r, p).correct(), p);
            assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(r, p), p);
        }
        assertEquals("not enough digits: written with 0 significant digits, 3 needed to judge it at the relative tolerance 0.001",
                entry(r, "layers[1].output[0]").diagnosis().text());
        assertEquals(2, r.tooFewDigitsCount());
        assertEquals("layers[1].output[0]", r.firstMistake().path());
    }

    @Test
    void theReportCountsOneNumberInTheSingular() {
        assertTrue(TextRenderer.render(grade(Written.parse("0.125269"), 0, null)).contains("Check: 1 number, 1 correct, 0 wrong"));
        assertTrue(TextRenderer.render(grade(null, 1, Field.OUTPUT, "0.118", "0.882")).contains("Check: 2 numbers, 2 correct, 0 wrong"));
    }

    @Test
    void aHugeNegativeExponentNeitherOverflowsNorPasses() {
        assertEquals(Written.MAX_DECIMALS, Written.decimalsOf("1e-2147483648"));
        assertEquals(Written.MAX_DECIMALS, Written.decimalsOf("1e-2147483649"));
        assertEquals(Written.MAX_DECIMALS, Written.decimalsOf("1.5e-99999999999999999999"));
        assertEquals(0, Written.decimalsOf("1e2147483648"));
        assertEquals(0, Written.decimalsOf("1e+99999999999999999999"));
        Grader.Report r = grade(Written.parse("1e-2147483648"), 0, null);
        Grader.Entry loss = entry(r, "loss");
        assertFalse(loss.correct());
        assertNotEquals(Kind.NOT_ENOUGH_DIGITS, kind(r, "loss"), "0 is not 0.125269 rounded to 20 decimals: plainly wrong");
    }

    @Test
    void shortNumbersCountOnlyWhenWithinTheTolerance() {
        // 0.117741 and 0.882259: three significant digits are judged to their precision, fewer are not
        assertTrue(grade(null, 1, Field.OUTPUT, "0.118", "0.882").allCorrect());
        Grader.Report twoDigits = grade(null, 1, Field.OUTPUT, "0.12", "0.88");
        assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(twoDigits, "layers[1].output[0]"));
        assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(twoDigits, "layers[1].output[1]"));
        assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(grade(null, 1, Field.OUTPUT, "0.1", "0.9"), "layers[1].output[0]"));
        // exact short values are within the tolerance: net of layer 0 is [-0.5, 1.5, 3.3], its output [-0.005, 1.5, 3.3]
        assertTrue(grade(null, 0, Field.NET, "-0.5", "1.5", "3.3").allCorrect());
        assertTrue(grade(null, 0, Field.OUTPUT, "-0.005", "1.5", "3.3").allCorrect());
        // a short number that does not even agree with the truth to its digits is wrong, not short
        Grader.Report wrong = grade(null, 1, Field.OUTPUT, "0.3", "0.7");
        assertFalse(wrong.entries().get(0).correct());
        assertNotEquals(Kind.NOT_ENOUGH_DIGITS, kind(wrong, "layers[1].output[0]"));
        assertEquals(0, wrong.tooFewDigitsCount());
    }

    @Test
    void theDigitsNeededFollowTheTolerance() {
        assertEquals(3, Tolerance.neededDigits(1e-3));
        assertEquals(3, Tolerance.neededDigits(2e-3));
        assertEquals(2, Tolerance.neededDigits(1e-2));
        assertEquals(2, Tolerance.neededDigits(0.05));
        assertEquals(1, Tolerance.neededDigits(0.1));
        assertEquals(1, Tolerance.neededDigits(0.5));
        assertEquals(1, Tolerance.neededDigits(2));
        assertEquals(6, Tolerance.neededDigits(1e-9));
        assertEquals(6, Tolerance.neededDigits(0));
        assertTrue(grade(null, 1, Field.OUTPUT, 1e-2, "0.12", "0.88").allCorrect(), "two digits are enough at 1e-2");
        assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(grade(null, 1, Field.OUTPUT, 1e-2, "0.1", "0.9"), "layers[1].output[0]"));
    }

    @Test
    void anUpdateCountsTheDigitsOfTheStepItImplies() {
        // w[0][0] = -0.2 − 0.1·0.00282578 = -0.200282578: the step is 0.000282578
        assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(grade(null, 0, Field.WEIGHTS_UPDATED, "-0.2", "0.93179", "0.407064"),
                "layers[0].weights_updated[0][0]"), "the old weight unchanged");
        assertEquals(Kind.NOT_ENOUGH_DIGITS, kind(grade(null, 0, Field.WEIGHTS_UPDATED, "-0.2003", "0.93179", "0.407064"),
                "layers[0].weights_updated[0][0]"), "a step of one digit");
        Grader.Report ok = grade(null, 0, Field.WEIGHTS_UPDATED, "-0.200283", "0.93179", "0.407064");
        assertTrue(ok.allCorrect(), ok.mistakes().toString());
        assertTrue(entry(grade(null, 0, Field.WEIGHTS_UPDATED, "-0.2003", "0.93179", "0.407064"), "layers[0].weights_updated[0][0]")
                .diagnosis().text().contains("the step old − new it implies has 1 significant digit"));
    }

    @Test
    void theFirstMistakeIsARealOneWhenThereIsOne() {
        Written[][] out = {{Written.parse("0"), Written.parse("0")}};
        Written[][] netGrad = {{Written.parse("0.058871"), Written.parse("-0.058871")}};
        Map<Field, Written[][]> l1 = new EnumMap<>(Field.class);
        l1.put(Field.OUTPUT, out);
        l1.put(Field.NET_GRAD, netGrad);
        Grader.Report r = Grader.grade(SEED, new Answers(null, List.of(Map.of(), l1)));
        assertEquals("layers[1].net_grad[0]", r.firstMistake().path());
        assertEquals("layers[1].net_grad[0]", r.mistakes().get(0).path());
        assertEquals(4, r.mistakes().size());
    }

    @Test
    void aValueWorkedFromAShortNumberIsCarriedOverFromIt() {
        // outputs 0.1 and 0.9 agree with the truth to one decimal; the loss worked from them is −½[ln 0.9 + ln 0.9]
        double fromShort = -Math.log(0.9);
        Grader.Report r = grade(Written.parse(String.format(java.util.Locale.ROOT, "%.6f", fromShort)), 1, Field.OUTPUT, "0.1", "0.9");
        Grader.Entry loss = entry(r, "loss");
        assertFalse(loss.correct());
        assertEquals(Kind.CARRIED_OVER, loss.diagnosis().kind());
        assertEquals("carried over: computed correctly from your own layers[1].output[0], which has too few digits", loss.diagnosis().text());
    }

    @Test
    void theExplanationLineNamesTheRuleOnlyWhenItApplies() {
        String sentence = "A number with fewer than 3 significant digits (for this tolerance) that agrees with the true value only to "
                + "its own digits is marked not enough digits, and is not correct.";
        assertTrue(TextRenderer.render(grade(null, 1, Field.OUTPUT, "0", "0")).contains(sentence));
        String fine = TextRenderer.render(grade(null, 1, Field.OUTPUT, "0.118", "0.882"));
        assertFalse(fine.contains("not enough digits"), fine);
        assertNull(grade(null, 1, Field.OUTPUT, "0.118", "0.882").firstMistake());
    }
}
