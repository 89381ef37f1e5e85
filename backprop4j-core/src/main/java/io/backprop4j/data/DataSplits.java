package io.backprop4j.data;

import io.backprop4j.BackpropException;

/**
 * A data set cut into the part to train on, the part to choose settings and stop early with, and
 * the part to report the final score on.
 *
 * @param train the training split (never null)
 * @param validation the validation split, or null when there is none
 * @param test the test split, or null when there is none
 */
public record DataSplits(Dataset train, Dataset validation, Dataset test) {
    public DataSplits {
        if (train == null) throw new BackpropException("DataSplits: the training split is null");
    }

    /** These splits with each transformed by {@code s} (fitted on {@link #train()} only). */
    public DataSplits standardized(Standardizer s) {
        return new DataSplits(s.apply(train), validation == null ? null : s.apply(validation),
                test == null ? null : s.apply(test));
    }

    @Override
    public String toString() {
        return "DataSplits(train=" + train.size() + ", validation=" + (validation == null ? "none" : validation.size())
                + ", test=" + (test == null ? "none" : test.size()) + ")";
    }
}
