package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.explain.Answers.Written;
import io.backprop4j.explain.Diagnosis.Kind;
import io.backprop4j.loss.Loss;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Tanh;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Plants mistakes of each kind in otherwise correct answers and checks that each is found and named. */
class GraderTest {
    private static double[][] rand(Random r, int n, int m) {
        double[][] a = new double[n][m];
        for (double[] row : a) for (int j = 0; j < m; j++) row[j] = Math.round((r.nextDouble() * 2 - 1) * 1000) / 1000.0;
        return a;
    }

    /** 3 → 3 (tanh, bias) → 3 (sigmoid, bias) → 2 (softmax), cross-entropy, a batch of 2. */
    static NetworkSpec network(long seed) {
        Random r = new Random(seed);
        return new NetworkSpec(rand(r, 2, 3), true, new double[][] {{1, 0}, {0, 1}}, List.of(
                new NetworkSpec.Layer(rand(r, 3, 3), rand(r, 1, 3)[0], new Tanh()),
                new NetworkSpec.Layer(rand(r, 3, 3), rand(r, 1, 3)[0], new Sigmoid()),
                new NetworkSpec.Layer(rand(r, 3, 2), null, new Softmax())),
                Loss.CROSS_ENTROPY, 0.1);
    }

    /** Every quantity, written in full (Double.toString). */
    static List<Map<Field, Written[][]>> full(StepSolution s) {
        List<Map<Field, Written[][]>> layers = new ArrayList<>();
        for (StepSolution.LayerStep st : s.layers()) {
            Map<Field, Written[][]> m = new EnumMap<>(Field.class);
            for (Field f : Field.values()) {
                double[][] v = st.get(f);
                if (v == null) continue;
                Written[][] w = new Written[v.length][v[0].length];
                for (int i = 0; i < v.length; i++) for (int j = 0; j < v[i].length; j++) w[i][j] = Written.parse(Double.toString(v[i][j]));
                m.put(f, w);
            }
            layers.add(m);
        }
        return layers;
    }

    static Written w(double v) {
        return Written.parse(Double.toString(v));
    }

    @Test
    void plantedMistakesAreFoundAndNamedWithoutFalseAlarms() {
        NetworkSpec spec = network(7);
        StepSolution s = Explainer.solve(spec);
        List<Map<Field, Written[][]>> a = full(s);
        Map<String, Kind> planted = new HashMap<>();
        StepSolution.LayerStep l0 = s.layers().get(0);
        StepSolution.LayerStep l1 = s.layers().get(1);
        StepSolution.LayerStep l2 = s.layers().get(2);

        // the loss, a sum over the batch where the mean belongs
        Written loss = w(2 * s.loss());
        planted.put("loss", Kind.FACTOR);
        // output layer: the gradient of another loss
        double p01 = l2.output()[0][1];
        a.get(2).get(Field.OUTPUT_GRAD)[0][1] = w(2 * (p01 - 0) / 4);
        planted.put("layers[2].output_grad[0][1]", Kind.OTHER_LOSS);
        // softmax without its coupling (for the class whose target is 0: then s_j(1 - s_j) * dL/ds_j = 0)
        double s01 = l2.output()[0][1];
        a.get(2).get(Field.NET_GRAD)[0][1] = new Written(s01 * (1 - s01) * l2.outputGrad()[0][1], 12);
        planted.put("layers[2].net_grad[0][1]", Kind.MISSING_COUPLING);
        // an unrecognised slip, then weights gradients computed correctly from it
        double wrongDelta = 3 * l2.netGrad()[1][1];
        a.get(2).get(Field.NET_GRAD)[1][1] = w(wrongDelta);
        planted.put("layers[2].net_grad[1][1]", null);
        for (int i = 0; i < 3; i++) {
            // from the person's own net_grad column 1: both planted values
            double g = l1.output()[0][i] * a.get(2).get(Field.NET_GRAD)[0][1].value() + l1.output()[1][i] * wrongDelta;
            a.get(2).get(Field.WEIGHTS_GRAD)[i][1] = w(g);
            planted.put("layers[2].weights_grad[" + i + "][1]", Kind.CARRIED_OVER);
        }
        // hidden sigmoid layer: derivative left out; sign; transposed; doubled
        a.get(1).get(Field.NET_GRAD)[1][0] = w(l1.outputGrad()[1][0]);
        planted.put("layers[1].net_grad[1][0]", Kind.MISSING_TERM);
        a.get(1).get(Field.WEIGHTS_GRAD)[0][1] = w(-l1.weightsGrad()[0][1]);
        planted.put("layers[1].weights_grad[0][1]", Kind.SIGN_FLIPPED);
        a.get(1).get(Field.WEIGHTS_GRAD)[2][0] = w(l1.weightsGrad()[0][2]);
        planted.put("layers[1].weights_grad[2][0]", Kind.TRANSPOSED);
        a.get(1).get(Field.WEIGHTS_GRAD)[1][1] = w(2 * l1.weightsGrad()[1][1]);
        planted.put("layers[1].weights_grad[1][1]", Kind.FACTOR);
        // first layer (tanh): the derivative of sigmoid; a bias gradient averaged over the batch
        double n01 = l0.net()[0][1];
        double sig = 1 / (1 + Math.exp(-n01));
        a.get(0).get(Field.NET_GRAD)[0][1] = w(sig * (1 - sig) * l0.outputGrad()[0][1]);
        planted.put("layers[0].net_grad[0][1]", Kind.OTHER_ACTIVATION);
        a.get(0).get(Field.BIAS_GRAD)[0][1] = w(l0.biasGrad()[1] / 2);
        planted.put("layers[0].bias_grad[1]", Kind.FACTOR);
        // an update that adds the gradient
        a.get(0).get(Field.WEIGHTS_UPDATED)[1][2] = w(spec.layers().get(0).weights()[1][2] + 0.1 * l0.weightsGrad()[1][2]);
        planted.put("layers[0].weights_updated[1][2]", Kind.ADDED_INSTEAD_OF_SUBTRACTED);

        Grader.Report r = Grader.grade(s, new Answers(loss, a));
        for (Grader.Entry e : r.entries()) {
            Kind want = planted.get(e.path());
            if (!planted.containsKey(e.path())) {
                assertTrue(e.correct(), "false alarm at " + e);
            } else {
                assertFalse(e.correct(), "planted mistake not found at " + e.path());
                if (want == null) continue; // times 3: a slip no hypothesis names
                assertNotNull(e.diagnosis(), "no diagnosis at " + e);
                assertEquals(want, e.diagnosis().kind(), e.path() + ": " + e.diagnosis().text());
            }
        }
        assertEquals("loss", r.firstMistake().path());
        assertEquals("layers[2].net_grad[0][1]", r.entries().stream()
                .filter(e -> e.path().equals("layers[2].weights_grad[0][1]")).findFirst().orElseThrow().diagnosis().from());
    }

    @Test
    void manyRandomNetworksWrittenInFullHaveNoFalseAlarms() {
        for (long seed = 1; seed <= 30; seed++) {
            StepSolution s = Explainer.solve(network(seed));
            Grader.Report r = Grader.grade(s, new Answers(w(s.loss()), full(s)));
            assertTrue(r.allCorrect(), "seed " + seed + ": " + r.mistakes());
            assertEquals(null, r.firstMistake());
        }
    }

    @Test
    void precisionAsWritten() {
        StepSolution s = Explainer.solve(network(3));
        double t = s.loss();
        assertTrue(t > 0.1 && t < 10, "a loss with its first digit before the 3rd decimal: " + t);
        String rounded = new java.math.BigDecimal(t).setScale(4, java.math.RoundingMode.HALF_UP).toPlainString();
        String truncated = new java.math.BigDecimal(t).setScale(3, java.math.RoundingMode.DOWN).toPlainString();
        assertTrue(Grader.grade(s, new Answers(Written.parse(rounded), List.of())).allCorrect(), rounded + " for " + t);
        // three significant digits at the default 1e-3: judged to their own precision
        assertTrue(Grader.grade(s, new Answers(Written.parse(truncated), List.of())).allCorrect(), truncated + " for " + t);
        assertFalse(Grader.grade(s, new Answers(w(t * 1.01), List.of())).allCorrect());
        assertEquals(4, Written.decimalsOf("0.0813"));
        assertEquals(4, Written.decimalsOf("1.5e-3"));
        assertEquals(0, Written.decimalsOf("12"));
        assertEquals(0, Written.decimalsOf("1.5e+3"));
    }

    @Test
    void theSeedLossIsCorrectAndTheSoftmaxGradientIsTwiceTheDiagonalOnlyValue() {
        NetworkSpec seed = new NetworkSpec(new double[][] {{3, 1, -1, 2}}, false, new double[][] {{0, 1}}, List.of(
                new NetworkSpec.Layer(new double[][] {{-0.2, 0.9, 0.4}, {-0.1, 0.3, 0.4}, {0.2, 0.5, -0.7}, {0.2, -0.5, 0.5}}, null, new LeakyReLU(0.01)),
                new NetworkSpec.Layer(new double[][] {{0.6, -0.2}, {-0.1, 0.8}, {-0.5, -0.3}}, null, new Softmax())),
                Loss.BINARY_CROSS_ENTROPY, 0.1);
        StepSolution s = Explainer.solve(seed);
        assertEquals(-Math.log(0.8822591696494712), s.loss(), 1e-12);
        assertEquals(0.11774083035052896, s.layers().get(1).netGrad()[0][0], 1e-12);
        assertEquals(0.0028257799284126944, s.layers().get(0).weightsGrad()[0][0], 1e-12);
    }
}
