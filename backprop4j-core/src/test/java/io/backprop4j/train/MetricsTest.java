package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MetricsTest {
    // truth:     0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    static final int[] ACTUAL = {0, 0, 0, 1, 1, 2};
    static final int[] PREDICTED = {0, 0, 1, 1, 2, 2};

    @Test
    void confusionMatrixHasTruthInRowsAndPredictionsInColumns() {
        int[][] c = Metrics.confusion(PREDICTED, ACTUAL, 3);
        assertArrayEquals(new int[] {2, 1, 0}, c[0]);
        assertArrayEquals(new int[] {0, 1, 1}, c[1]);
        assertArrayEquals(new int[] {0, 0, 1}, c[2]);
    }

    @Test
    void perClassScoresWorkedByHand() {
        Metrics.Report r = Metrics.report(Metrics.confusion(PREDICTED, ACTUAL, 3));
        // class 0: tp 2, predicted 2, actual 3 -> p 1, r 2/3, f1 0.8
        // class 1: tp 1, predicted 2, actual 2 -> p 1/2, r 1/2, f1 1/2
        // class 2: tp 1, predicted 2, actual 1 -> p 1/2, r 1, f1 2/3
        assertArrayEquals(new double[] {1, 0.5, 0.5}, r.precision(), 1e-12);
        assertArrayEquals(new double[] {2.0 / 3, 0.5, 1}, r.recall(), 1e-12);
        assertArrayEquals(new double[] {0.8, 0.5, 2.0 / 3}, r.f1(), 1e-12);
        assertArrayEquals(new int[] {3, 2, 1}, r.support());
        assertEquals(4.0 / 6, r.accuracy(), 1e-12);
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 3, r.macroF1(), 1e-12);
    }

    @Test
    void aClassNeverPredictedScoresZeroNotNaN() {
        Metrics.Report r = Metrics.report(Metrics.confusion(new int[] {0, 0}, new int[] {0, 1}, 3));
        assertEquals(0, r.precision()[1]);
        assertEquals(0, r.f1()[1]);
        assertEquals(0, r.recall()[2]);
    }

    @Test
    void accuracyAndArgmax() {
        assertEquals(4.0 / 6, Metrics.accuracy(PREDICTED, ACTUAL), 1e-12);
        Tensor scores = Tensor.of(new float[][] {{0.1f, 0.7f, 0.2f}, {3, 3, 1}, {-1, -2, -0.5f}});
        assertArrayEquals(new int[] {1, 0, 2}, Metrics.argmax(scores));
        assertArrayEquals(new int[] {1, 0, 2}, Metrics.argmax(scores.to(io.backprop4j.tensor.DType.FLOAT64)));
    }

    @Test
    void badInputIsRefused() {
        assertThrows(BackpropException.class, () -> Metrics.confusion(new int[] {3}, new int[] {0}, 3));
        assertThrows(BackpropException.class, () -> Metrics.accuracy(new int[] {0, 1}, new int[] {0}));
    }

    @Test
    void theReportWithoutAMatrixEqualsTheReportFromOne() {
        var rng = new java.util.SplittableRandom(18);
        for (int trial = 0; trial < 20; trial++) {
            int k = 1 + rng.nextInt(12);
            int n = rng.nextInt(200);
            int[] a = new int[n];
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = rng.nextInt(k);
                p[i] = rng.nextBoolean() ? a[i] : rng.nextInt(k);
            }
            Metrics.Report full = Metrics.report(Metrics.confusion(p, a, k));
            Metrics.Report sparse = Metrics.report(p, a, k);
            assertArrayEquals(full.precision(), sparse.precision());
            assertArrayEquals(full.recall(), sparse.recall());
            assertArrayEquals(full.f1(), sparse.f1());
            assertArrayEquals(full.support(), sparse.support());
            assertEquals(full.accuracy(), sparse.accuracy());
        }
        assertThrows(BackpropException.class, () -> Metrics.report(new int[] {3}, new int[] {0}, 3));
        // 65,536 classes: no 16 GiB matrix
        Metrics.Report big = Metrics.report(new int[] {65535, 1}, new int[] {65535, 2}, 65536);
        assertEquals(1.0, big.recall()[65535]);
        assertEquals(0.5, big.accuracy());
    }

    /** Issue 18, item 11: 1,024 rows of 65,536 logits per pass (and the loss's temporaries) grew the heap to 6 GB. */
    @Test
    void evaluationPassesHoldAtMostAMillionOutputs() {
        int classes = 4096;
        java.util.List<Integer> rows = new java.util.ArrayList<>();
        io.backprop4j.nn.Module wide = new io.backprop4j.nn.Module() {
            @Override
            public Tensor forward(Tensor x) {
                rows.add(x.size(0));
                return Tensor.zeros(x.size(0), classes);
            }
        };
        int n = 1000;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % classes;
        var data = new io.backprop4j.data.Dataset(Tensor.zeros(n, 3), labels, null, null, null);
        Evaluation e = Evaluation.of(wide, data);
        assertEquals(classes, e.numClasses());
        int per = Evaluation.MAX_OUTPUTS_PER_PASS / classes; // 256
        assertEquals(1, rows.get(0), "a one-row pass first, to learn the output width");
        assertEquals(java.util.List.of(per, per, per, n - 3 * per), rows.subList(1, rows.size()));
        assertEquals(Math.log(classes), e.loss(), 1e-5);
    }
}
