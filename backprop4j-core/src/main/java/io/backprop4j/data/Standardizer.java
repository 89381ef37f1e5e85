package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.Json;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rescales each feature column to mean 0 and standard deviation 1:
 * {@code x'[i][j] = (x[i][j] - mean[j]) / std[j]}.
 *
 * <p>Fit it on the training split only, then apply it to every split, so that no statistic of the
 * validation or test data leaks into training; save it with the model ({@link #toMetadata}) so
 * that predictions later see features scaled the same way.
 * <ul>
 *   <li>{@code mean[j]} is the column's mean and {@code std[j]} its population standard deviation
 *       (dividing by n, like scikit-learn's {@code StandardScaler}), both computed in double;</li>
 *   <li>a constant column ({@code std[j] = 0}) gets {@code std[j] = 1}, so it becomes all zeros
 *       instead of NaN.</li>
 * </ul>
 *
 * <pre>{@code
 * Standardizer s = Standardizer.fit(splits.train());
 * Dataset train = s.apply(splits.train()), test = s.apply(splits.test());
 * metadata.putAll(s.toMetadata("standardizer."));
 * }</pre>
 */
public final class Standardizer {
    private final float[] mean;
    private final float[] std;

    /**
     * A standardizer with given statistics (copied).
     *
     * @throws BackpropException when the lengths differ, a mean is not finite, or a std is not
     *     finite and positive
     */
    public Standardizer(float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new ShapeException("Standardizer: " + mean.length + " means but " + std.length + " standard deviations");
        }
        for (int j = 0; j < mean.length; j++) {
            if (!Float.isFinite(mean[j])) throw new BackpropException("Standardizer: mean of feature " + j + " is " + mean[j]);
            if (!Float.isFinite(std[j]) || std[j] <= 0) {
                throw new BackpropException("Standardizer: standard deviation of feature " + j + " is " + std[j] + ", not positive");
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Fits the statistics of each column of a {@code [n, d]} feature matrix ({@code n >= 1}). */
    public static Standardizer fit(Tensor features) {
        if (features == null) throw new BackpropException("Standardizer.fit: features are null");
        if (features.rank() != 2) {
            throw new ShapeException("Standardizer.fit: needs features [n, d], got " + Arrays.toString(features.shape()));
        }
        int n = features.size(0);
        int d = features.size(1);
        if (n == 0) throw new BackpropException("Standardizer.fit: no examples to fit on");
        double[] x = features.toDoubleArray();
        double[] sum = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) sum[j] += x[i * d + j];
        double[] m = new double[d];
        for (int j = 0; j < d; j++) m[j] = sum[j] / n;
        double[] sq = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double dev = x[i * d + j] - m[j];
                sq[j] += dev * dev;
            }
        }
        float[] mean = new float[d];
        float[] std = new float[d];
        for (int j = 0; j < d; j++) {
            if (!Double.isFinite(m[j])) throw new BackpropException("Standardizer.fit: feature " + j + " has mean " + m[j]);
            mean[j] = (float) m[j];
            float s = (float) Math.sqrt(sq[j] / n);
            std[j] = s > 0 && Float.isFinite(s) ? s : 1f;
        }
        return new Standardizer(mean, std);
    }

    /** Fits on a dataset's features: pass the training split only. */
    public static Standardizer fit(Dataset train) {
        if (train == null) throw new BackpropException("Standardizer.fit: dataset is null");
        return fit(train.features());
    }

    /**
     * One mean and one standard deviation over every value of {@code [n, d]} features, repeated
     * for each column: {@code x'[i][j] = (x[i][j] − m) / s}. For images: every pixel is scaled
     * alike, so an empty pixel stays the same value everywhere ({@code −m/s}) and a shifted image
     * is still an image of the same kind; per-column statistics would blow up the nearly
     * constant border pixels.
     */
    public static Standardizer fitPooled(Tensor features) {
        if (features == null || features.rank() != 2 || features.size(0) == 0) {
            throw new ShapeException("Standardizer.fitPooled: needs features [n, d] with n >= 1, got "
                    + (features == null ? "null" : Arrays.toString(features.shape())));
        }
        double[] x = features.toDoubleArray();
        double sum = 0;
        for (double v : x) sum += v;
        double m = sum / x.length;
        double sq = 0;
        for (double v : x) sq += (v - m) * (v - m);
        if (!Double.isFinite(m)) throw new BackpropException("Standardizer.fitPooled: the features have mean " + m);
        float s = (float) Math.sqrt(sq / x.length);
        float[] mean = new float[features.size(1)];
        float[] std = new float[mean.length];
        Arrays.fill(mean, (float) m);
        Arrays.fill(std, s > 0 && Float.isFinite(s) ? s : 1f);
        return new Standardizer(mean, std);
    }

    /** The per-feature means (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** The per-feature standard deviations, constant columns as 1 (a copy). */
    public float[] std() {
        return std.clone();
    }

    /** The number of features. */
    public int size() {
        return mean.length;
    }

    /**
     * Standardized features as a new tensor of the same dtype and shape {@code [n, d]}; the input
     * is not modified.
     */
    public Tensor apply(Tensor features) {
        if (features.rank() != 2 || features.size(1) != mean.length) {
            throw new ShapeException("Standardizer.apply: fitted on " + mean.length + " features, got "
                    + Arrays.toString(features.shape()));
        }
        int n = features.size(0);
        int d = mean.length;
        if (features.dtype() == DType.FLOAT32) {
            float[] out = features.toFloatArray();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) out[i * d + j] = (out[i * d + j] - mean[j]) / std[j];
            }
            return Tensor.of(out, n, d);
        }
        double[] out = features.toDoubleArray();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) out[i * d + j] = (out[i * d + j] - mean[j]) / std[j];
        }
        return Tensor.of(out, n, d);
    }

    /** The dataset with standardized features (labels and targets shared). */
    public Dataset apply(Dataset data) {
        return data.withFeatures(apply(data.features()));
    }

    /**
     * The statistics as two metadata entries, {@code prefix + "mean"} and {@code prefix + "std"},
     * each a JSON array of floats (shortest decimal text that reads back exactly).
     */
    public Map<String, String> toMetadata(String prefix) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(prefix + "mean", Json.write(mean));
        map.put(prefix + "std", Json.write(std));
        return map;
    }

    /**
     * Reads back what {@link #toMetadata} wrote.
     *
     * @throws FormatException when an entry is missing or not an array of numbers
     */
    public static Standardizer fromMetadata(Map<String, String> metadata, String prefix) {
        float[] mean = floats(metadata, prefix + "mean");
        float[] std = floats(metadata, prefix + "std");
        try {
            return new Standardizer(mean, std);
        } catch (BackpropException e) {
            throw new FormatException("metadata", prefix + "*", e.getMessage());
        }
    }

    private static float[] floats(Map<String, String> metadata, String key) {
        String text = metadata.get(key);
        if (text == null) throw new FormatException("metadata", key, "missing standardizer entry");
        if (!(Json.parse(text, "metadata " + key) instanceof List<?> list)) {
            throw new FormatException("metadata", key, "expected a JSON array of numbers");
        }
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number number)) {
                throw new FormatException("metadata", key, "element " + i + " is not a number");
            }
            out[i] = number.floatValue();
        }
        return out;
    }

    @Override
    public String toString() {
        return "Standardizer(features=" + mean.length + ")";
    }
}
