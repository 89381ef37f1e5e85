package io.backprop4j.train;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Classification metrics computed from predicted and true class indices.
 *
 * <ul>
 *   <li>accuracy = (number of rows with predicted = actual) / n;</li>
 *   <li>confusion matrix C[a][p] = number of rows of true class a predicted as p (rows: truth,
 *       columns: prediction, as scikit-learn's {@code confusion_matrix});</li>
 *   <li>per class k: precision = C[k][k] / Σ_a C[a][k], recall = C[k][k] / Σ_p C[k][p],
 *       F1 = 2 precision recall / (precision + recall); a ratio with a zero denominator is 0
 *       (scikit-learn's {@code zero_division=0}).</li>
 * </ul>
 *
 * <pre>{@code
 * int[] predicted = Metrics.argmax(logits);             // logits [n, k]
 * double acc = Metrics.accuracy(predicted, labels);
 * Metrics.Report r = Metrics.report(Metrics.confusion(predicted, labels, k));
 * r.f1()[3];                                            // F1 of class 3
 * }</pre>
 */
public final class Metrics {
    private Metrics() {}

    /** The index of the largest value in each row of a [n, k] tensor (the first on ties). */
    public static int[] argmax(Tensor scores) {
        if (scores.rank() != 2) throw new ShapeException("argmax: needs scores [n, k], got " + Shapes.str(scores.shape()));
        int n = scores.size(0);
        int k = scores.size(1);
        Tensor c = scores.contiguousData();
        int[] out = new int[n];
        if (c.dtype() == io.backprop4j.tensor.DType.FLOAT32) {
            float[] a = Storage.floats(c);
            int base = c.offset();
            for (int i = 0; i < n; i++) {
                int best = 0;
                float v = a[base + i * k];
                for (int j = 1; j < k; j++) {
                    float x = a[base + i * k + j];
                    if (x > v || (Float.isNaN(x) && !Float.isNaN(v))) {
                        v = x;
                        best = j;
                    }
                }
                out[i] = best;
            }
        } else {
            double[] a = Storage.doubles(c);
            int base = c.offset();
            for (int i = 0; i < n; i++) {
                int best = 0;
                double v = a[base + i * k];
                for (int j = 1; j < k; j++) {
                    double x = a[base + i * k + j];
                    if (x > v) {
                        v = x;
                        best = j;
                    }
                }
                out[i] = best;
            }
        }
        return out;
    }

    /** The fraction of rows where predicted equals actual; NaN for no rows. */
    public static double accuracy(int[] predicted, int[] actual) {
        sameLength(predicted, actual);
        if (predicted.length == 0) return Double.NaN;
        int right = 0;
        for (int i = 0; i < predicted.length; i++) if (predicted[i] == actual[i]) right++;
        return (double) right / predicted.length;
    }

    /** The number of rows where predicted equals actual. */
    public static int correct(int[] predicted, int[] actual) {
        sameLength(predicted, actual);
        int right = 0;
        for (int i = 0; i < predicted.length; i++) if (predicted[i] == actual[i]) right++;
        return right;
    }

    /**
     * The confusion matrix [numClasses][numClasses]: entry [a][p] counts rows of true class a
     * predicted as p.
     *
     * @throws BackpropException when a class index is outside [0, numClasses)
     */
    public static int[][] confusion(int[] predicted, int[] actual, int numClasses) {
        sameLength(predicted, actual);
        int[][] c = new int[numClasses][numClasses];
        for (int i = 0; i < predicted.length; i++) {
            int a = actual[i];
            int p = predicted[i];
            if (a < 0 || a >= numClasses || p < 0 || p >= numClasses) {
                throw new BackpropException("confusion: row " + i + " has class " + (a < 0 || a >= numClasses ? a : p)
                        + ", outside [0, " + numClasses + ")");
            }
            c[a][p]++;
        }
        return c;
    }

    /**
     * Per-class precision, recall, F1 and support (true rows per class), with their macro averages
     * (unweighted means over classes) and the accuracy.
     */
    public record Report(double[] precision, double[] recall, double[] f1, int[] support, double accuracy) {
        /** The number of classes. */
        public int classes() {
            return support.length;
        }

        public double macroPrecision() { return mean(precision); }

        public double macroRecall() { return mean(recall); }

        public double macroF1() { return mean(f1); }

        private static double mean(double[] v) {
            double s = 0;
            for (double x : v) s += x;
            return v.length == 0 ? Double.NaN : s / v.length;
        }
    }

    /** Per-class precision, recall and F1 from a confusion matrix (rows truth, columns prediction). */
    public static Report report(int[][] confusion) {
        int k = confusion.length;
        double[] precision = new double[k];
        double[] recall = new double[k];
        double[] f1 = new double[k];
        int[] support = new int[k];
        long total = 0;
        long diagonal = 0;
        for (int c = 0; c < k; c++) {
            if (confusion[c].length != k) {
                throw new ShapeException("report: confusion matrix row " + c + " has " + confusion[c].length + " entries, not " + k);
            }
            long predictedAs = 0;
            long actual = 0;
            for (int j = 0; j < k; j++) {
                predictedAs += confusion[j][c];
                actual += confusion[c][j];
            }
            int tp = confusion[c][c];
            precision[c] = predictedAs == 0 ? 0 : (double) tp / predictedAs;
            recall[c] = actual == 0 ? 0 : (double) tp / actual;
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
            support[c] = (int) actual;
            total += actual;
            diagonal += tp;
        }
        return new Report(precision, recall, f1, support, total == 0 ? Double.NaN : (double) diagonal / total);
    }

    /**
     * The same report as {@code report(confusion(predicted, actual, numClasses))}, counted in
     * O(n + numClasses) time and memory, without the numClasses² matrix (16 GiB for 65,536 classes).
     *
     * @throws BackpropException when a class index is outside [0, numClasses)
     */
    public static Report report(int[] predicted, int[] actual, int numClasses) {
        sameLength(predicted, actual);
        long[] tp = new long[numClasses];
        long[] predictedAs = new long[numClasses];
        long[] actualCount = new long[numClasses];
        for (int i = 0; i < predicted.length; i++) {
            int a = actual[i];
            int p = predicted[i];
            if (a < 0 || a >= numClasses || p < 0 || p >= numClasses) {
                throw new BackpropException("report: row " + i + " has class " + (a < 0 || a >= numClasses ? a : p)
                        + ", outside [0, " + numClasses + ")");
            }
            predictedAs[p]++;
            actualCount[a]++;
            if (a == p) tp[a]++;
        }
        double[] precision = new double[numClasses];
        double[] recall = new double[numClasses];
        double[] f1 = new double[numClasses];
        int[] support = new int[numClasses];
        long diagonal = 0;
        for (int c = 0; c < numClasses; c++) {
            precision[c] = predictedAs[c] == 0 ? 0 : (double) tp[c] / predictedAs[c];
            recall[c] = actualCount[c] == 0 ? 0 : (double) tp[c] / actualCount[c];
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
            support[c] = (int) actualCount[c];
            diagonal += tp[c];
        }
        return new Report(precision, recall, f1, support, predicted.length == 0 ? Double.NaN : (double) diagonal / predicted.length);
    }

    private static void sameLength(int[] predicted, int[] actual) {
        if (predicted.length != actual.length) {
            throw new ShapeException("metrics: " + predicted.length + " predictions for " + actual.length + " labels");
        }
    }
}
