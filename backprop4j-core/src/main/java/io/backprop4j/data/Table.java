package io.backprop4j.data;

import io.backprop4j.BackpropException;

/**
 * A numeric table as read from a file, before it becomes a {@link Dataset}.
 *
 * @param features the feature values, row-major: row {@code r}, column {@code c} is at
 *     {@code features[r * cols + c]}
 * @param rows the number of rows (examples)
 * @param cols the number of feature columns (the label column excluded)
 * @param labels class indices in {@code [0, classNames.length)}, one per row, for classification;
 *     null otherwise
 * @param targets target values, one per row, for regression; null otherwise
 * @param featureNames a name per feature column (from the header, else "x0", "x1"...)
 * @param classNames a name per class for classification (from the file, or the label values
 *     themselves: "0", "1"...); null otherwise
 */
public record Table(float[] features, int rows, int cols, int[] labels, float[] targets,
                    String[] featureNames, String[] classNames) {
    public Table {
        if (rows < 0 || cols < 0 || (long) rows * cols != features.length) {
            throw new BackpropException("Table: " + features.length + " feature values for " + rows + " rows of " + cols);
        }
        if (labels != null && labels.length != rows) {
            throw new BackpropException("Table: " + labels.length + " labels for " + rows + " rows");
        }
        if (targets != null && targets.length != rows) {
            throw new BackpropException("Table: " + targets.length + " targets for " + rows + " rows");
        }
        if (labels != null && targets != null) {
            throw new BackpropException("Table: has both class labels and regression targets");
        }
        if (featureNames != null && featureNames.length != cols) {
            throw new BackpropException("Table: " + featureNames.length + " feature names for " + cols + " columns");
        }
    }

    /** Converts this table to a dataset of float32 features. */
    public Dataset toDataset() {
        return Dataset.fromTable(this);
    }
}
