package io.backprop4j.data;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Examples to train or evaluate on: a float32 feature matrix and, per example, a class label
 * (classification) or a target (regression), or neither (data to predict on).
 *
 * @param features float32, shape {@code [n, d]}: one row per example
 * @param labels class indices in {@code [0, numClasses())}, length {@code n}; null unless this is
 *     a classification set
 * @param targets float32, shape {@code [n]} or {@code [n, k]}; null unless this is a regression
 *     set
 * @param classNames a name per class, or null (then the classes are 0 to the largest label)
 * @param featureNames a name per feature column, or null
 *
 * <p>The arrays are shared, not copied: treat them as read-only. {@link #subset} copies.
 */
public record Dataset(Tensor features, int[] labels, Tensor targets, String[] classNames, String[] featureNames) {
    public Dataset {
        if (features == null) throw new BackpropException("Dataset: features are null");
        if (features.rank() != 2 || features.dtype() != DType.FLOAT32) {
            throw new ShapeException("Dataset: features must be a float32 matrix [n, d], got "
                    + features.dtype() + " " + Arrays.toString(features.shape()));
        }
        int n = features.size(0);
        if (labels != null && targets != null) {
            throw new BackpropException("Dataset: give class labels or regression targets, not both");
        }
        if (labels != null) {
            if (labels.length != n) {
                throw new ShapeException("Dataset: " + labels.length + " labels for " + n + " examples");
            }
            int bound = classNames == null ? Integer.MAX_VALUE : classNames.length;
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= bound) {
                    throw new BackpropException("Dataset: label " + labels[i] + " of example " + i + " is outside [0, "
                            + (classNames == null ? "inf" : bound) + ")" + (classNames == null ? "" : " (" + bound + " classes)"));
                }
            }
        }
        if (targets != null && (targets.rank() < 1 || targets.rank() > 2 || targets.size(0) != n
                || targets.dtype() != DType.FLOAT32)) {
            throw new ShapeException("Dataset: targets must be float32 [" + n + "] or [" + n + ", k], got "
                    + targets.dtype() + " " + Arrays.toString(targets.shape()));
        }
        if (classNames != null && labels == null) {
            throw new BackpropException("Dataset: class names without labels");
        }
        if (featureNames != null && featureNames.length != features.size(1)) {
            throw new ShapeException("Dataset: " + featureNames.length + " feature names for " + features.size(1) + " features");
        }
    }

    /** A classification set. */
    public static Dataset classification(Tensor features, int[] labels, String[] classNames) {
        if (labels == null) throw new BackpropException("Dataset.classification: labels are null");
        return new Dataset(features, labels, null, classNames, null);
    }

    /** A regression set. */
    public static Dataset regression(Tensor features, Tensor targets) {
        if (targets == null) throw new BackpropException("Dataset.regression: targets are null");
        return new Dataset(features, null, targets, null, null);
    }

    /** A dataset over a table's arrays (not copied). */
    public static Dataset fromTable(Table table) {
        Tensor features = Tensor.of(table.features(), table.rows(), table.cols());
        Tensor targets = table.targets() == null ? null : Tensor.of(table.targets(), table.rows());
        return new Dataset(features, table.labels(), targets, table.classNames(), table.featureNames());
    }

    /** The number of examples. */
    public int size() {
        return features.size(0);
    }

    /** The number of features per example. */
    public int numFeatures() {
        return features.size(1);
    }

    /** Whether the examples have class labels. */
    public boolean isClassification() {
        return labels != null;
    }

    /** The number of classes: {@code classNames.length}, else the largest label + 1; 0 without labels. */
    public int numClasses() {
        if (labels == null) return 0;
        if (classNames != null) return classNames.length;
        int max = -1;
        for (int label : labels) max = Math.max(max, label);
        return max + 1;
    }

    /** This dataset with other features (same number of rows), such as standardized ones. */
    public Dataset withFeatures(Tensor newFeatures) {
        if (newFeatures.rank() != 2 || newFeatures.size(0) != size()) {
            throw new ShapeException("Dataset.withFeatures: " + Arrays.toString(newFeatures.shape()) + " for " + size() + " examples");
        }
        String[] names = featureNames != null && newFeatures.size(1) == featureNames.length ? featureNames : null;
        return new Dataset(newFeatures, labels, targets, classNames, names);
    }

    /**
     * The examples at {@code indices}, in that order (copied; an index may repeat).
     *
     * @throws BackpropException when an index is outside {@code [0, size())}
     */
    public Dataset subset(int[] indices) {
        int n = size();
        for (int i : indices) {
            if (i < 0 || i >= n) throw new BackpropException("Dataset.subset: index " + i + " is outside [0, " + n + ")");
        }
        Tensor f = Tensor.of(gatherRows(features, indices), indices.length, numFeatures());
        int[] l = null;
        if (labels != null) {
            l = new int[indices.length];
            for (int k = 0; k < indices.length; k++) l[k] = labels[indices[k]];
        }
        Tensor t = null;
        if (targets != null) {
            int[] shape = targets.shape();
            shape[0] = indices.length;
            t = Tensor.of(gatherRows(targets, indices), shape);
        }
        return new Dataset(f, l, t, classNames, featureNames);
    }

    /** Copies rows (slices along dim 0) of a float32 tensor into a new array, in index order. */
    static float[] gatherRows(Tensor t, int[] indices) {
        Tensor c = t.contiguousData();
        int rows = c.size(0);
        int width = rows == 0 ? 0 : c.numel() / rows;
        float[] src = Storage.floats(c);
        int base = c.offset();
        float[] out = new float[indices.length * width];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(src, base + indices[k] * width, out, k * width, width);
        }
        return out;
    }

    @Override
    public String toString() {
        String kind = labels != null ? ", classes=" + numClasses()
                : targets != null ? ", targets=" + Arrays.toString(targets.shape()) : "";
        return "Dataset(size=" + size() + ", features=" + numFeatures() + kind + ")";
    }
}
