package io.backprop4j.onnx;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.nn.Module;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX's Reshape with a constant shape: a 0 copies the input's size at that position, one -1 takes
 * what is left over, any other number is the size. {@code Reshape([0, -1])} on [8, 16, 4, 4]
 * gives [8, 256].
 */
public final class Reshape extends Module {
    private final int[] shape;

    public Reshape(int... shape) {
        if (shape == null) throw new BackpropException("Reshape: shape is null");
        int unknown = 0;
        for (int d : shape) {
            if (d < -1) throw new ShapeException("Reshape: size " + d + " in " + Arrays.toString(shape));
            if (d == -1) unknown++;
        }
        if (unknown > 1) throw new ShapeException("Reshape: more than one -1 in " + Arrays.toString(shape));
        this.shape = shape.clone();
    }

    public int[] shape() { return shape.clone(); }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0) {
                if (i >= x.rank()) throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " has no dimension " + i + " to copy");
                s[i] = x.size(i);
            }
        }
        return x.reshape(s);
    }

    @Override
    public String toString() {
        return "Reshape(" + Arrays.toString(shape) + ")";
    }
}
