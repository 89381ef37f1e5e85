package io.backprop4j.data;

import io.backprop4j.BackpropException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Random train / validation / test splits.
 *
 * <p>The examples are shuffled with {@code rng}; the first {@code round(n * trainFraction)} go to
 * training, the next {@code round(n * validationFraction)} to validation, the rest to test. When
 * stratified, this is done separately for each class, so that each split has about the classes'
 * proportions. Within each split the examples keep their original order (so a split is a function
 * of the data, the fractions and the random draws alone). The same generator state gives the same
 * split.
 *
 * <pre>{@code
 * DataSplits s = Splits.split(all, 0.7, 0.15, true, new SplittableRandom(0));   // 70/15/15
 * }</pre>
 */
public final class Splits {
    private Splits() {}

    /**
     * Splits a dataset.
     *
     * @param trainFraction in (0, 1]
     * @param validationFraction in [0, 1 - trainFraction]; 0 gives no validation split (null)
     * @param stratified split each class separately (needs class labels)
     * @return the splits; test is null when the fractions leave no room for it
     * @throws BackpropException for fractions out of range, or stratifying a set without labels
     */
    public static DataSplits split(Dataset data, double trainFraction, double validationFraction,
                                   boolean stratified, RandomGenerator rng) {
        int[][] parts = indices(data.size(), stratified ? requireLabels(data) : null,
                trainFraction, validationFraction, rng);
        boolean hasValidation = validationFraction > 0;
        boolean hasTest = 1 - trainFraction - validationFraction > 1e-9;
        return new DataSplits(data.subset(parts[0]),
                hasValidation ? data.subset(parts[1]) : null,
                hasTest ? data.subset(parts[2]) : null);
    }

    private static int[] requireLabels(Dataset data) {
        if (data.labels() == null) throw new BackpropException("Splits: a stratified split needs class labels");
        return data.labels();
    }

    /**
     * The indices of a split of {@code n} examples: {train, validation, test}, each ascending.
     *
     * @param labels class labels to stratify by, or null for a plain split
     */
    public static int[][] indices(int n, int[] labels, double trainFraction, double validationFraction,
                                  RandomGenerator rng) {
        if (!(trainFraction > 0 && trainFraction <= 1)) {
            throw new BackpropException("Splits: invalid training fraction: " + trainFraction + " (expected (0, 1])");
        }
        if (!(validationFraction >= 0 && trainFraction + validationFraction <= 1 + 1e-9)) {
            throw new BackpropException("Splits: invalid validation fraction: " + validationFraction
                    + " (expected [0, " + (1 - trainFraction) + "])");
        }
        if (labels != null && labels.length != n) {
            throw new BackpropException("Splits: " + labels.length + " labels for " + n + " examples");
        }
        List<int[]> groups = new ArrayList<>();
        if (labels == null) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            groups.add(all);
        } else {
            int classes = 0;
            for (int label : labels) {
                if (label < 0) throw new BackpropException("Splits: negative label " + label);
                classes = Math.max(classes, label + 1);
            }
            int[] counts = new int[classes];
            for (int label : labels) counts[label]++;
            int[][] byClass = new int[classes][];
            for (int c = 0; c < classes; c++) byClass[c] = new int[counts[c]];
            int[] fill = new int[classes];
            for (int i = 0; i < n; i++) byClass[labels[i]][fill[labels[i]]++] = i;
            for (int[] g : byClass) if (g.length > 0) groups.add(g);
        }
        int[] train = new int[n];
        int[] validation = new int[n];
        int[] test = new int[n];
        int nt = 0;
        int nv = 0;
        int ns = 0;
        for (int[] group : groups) {
            int m = group.length;
            for (int i = m - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = group[i];
                group[i] = group[j];
                group[j] = t;
            }
            int toTrain = (int) Math.min(m, Math.round(m * trainFraction));
            int toValidation = (int) Math.min(m - toTrain, Math.round(m * validationFraction));
            if (trainFraction + validationFraction >= 1 - 1e-9) toValidation = m - toTrain;
            System.arraycopy(group, 0, train, nt, toTrain);
            nt += toTrain;
            System.arraycopy(group, toTrain, validation, nv, toValidation);
            nv += toValidation;
            System.arraycopy(group, toTrain + toValidation, test, ns, m - toTrain - toValidation);
            ns += m - toTrain - toValidation;
        }
        int[][] out = {Arrays.copyOf(train, nt), Arrays.copyOf(validation, nv), Arrays.copyOf(test, ns)};
        for (int[] part : out) Arrays.sort(part);
        return out;
    }
}
