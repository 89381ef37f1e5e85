package io.backprop4j.spark;

import io.backprop4j.BackpropException;
import java.io.Serializable;

/**
 * One training example in an RDD: its features and either a class label (classification) or a
 * numeric target (regression).
 *
 * @param features the feature vector; every example of a data set has the same length
 * @param label the class, from 0; -1 for a regression example
 * @param target the regression target (one or more values), or null for a classification example
 */
public record Example(float[] features, int label, float[] target) implements Serializable {
    public Example {
        if (features == null) throw new BackpropException("Example: features are null");
        if (label < -1) throw new BackpropException("Example: label " + label + " is negative");
        if (label >= 0 && target != null) throw new BackpropException("Example: give a class label or a target, not both");
    }

    /** A classification example. */
    public static Example labelled(float[] features, int label) {
        if (label < 0) throw new BackpropException("Example: label " + label + " is negative");
        return new Example(features, label, null);
    }

    /** A regression example. */
    public static Example withTarget(float[] features, float... target) {
        if (target == null || target.length == 0) throw new BackpropException("Example: the target is empty");
        return new Example(features, -1, target);
    }
}
