package io.backprop4j.cli;

import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;

/**
 * How the command line prints a computed number in CSV, JSON and raw output, so that the three
 * agree: the shortest decimal that reads back as the same value, in the value's own precision
 * ({@link Float#toString(float)} for float32, {@link Double#toString(double)} for float64), such
 * as {@code 0.994106}, {@code 3.8399998E-4} or {@code 1.0}. A float32 probability printed this way
 * parses back to the very float the model computed.
 */
final class Numbers {
    private Numbers() {}

    /** The shortest text that reads back as {@code v} (float32). */
    static String of(float v) {
        return Float.toString(v);
    }

    /** The shortest text that reads back as {@code v} (float64). */
    static String of(double v) {
        return Double.toString(v);
    }

    /**
     * The rows of a matrix [rows, cols] as float32 (the precision of every model's outputs), for
     * printing with {@link #of(float)}.
     */
    static float[][] floatRows(Tensor t) {
        int rows = t.rank() == 0 ? 1 : t.size(0);
        int cols = rows == 0 ? 0 : t.numel() / rows;
        float[] v = t.to(DType.FLOAT32).toFloatArray();
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) out[i] = java.util.Arrays.copyOfRange(v, i * cols, (i + 1) * cols);
        return out;
    }
}
