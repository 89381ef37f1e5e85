package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;

/** Checks and printing shared by the layers. */
final class Layers {
    private Layers() {}

    /** Refuses an input whose dtype differs from the layer's weights, naming the conversion (as Linear does). */
    static void sameDType(Module layer, Tensor x, Tensor weight) {
        if (x.dtype() != weight.dtype()) {
            throw new BackpropException(layer + ": the input is " + x.dtype() + " but the layer's weights are " + weight.dtype()
                    + "; convert the input with x.to(DType." + weight.dtype().name() + ")"
                    + (x.dtype().isFloatingPoint() ? " (or build the layer in " + x.dtype() + ")" : ""));
        }
    }

    /** "3" for {3, 3}, "[3, 5]" otherwise: PyTorch prints (3, 3) and (3, 5); one number reads better when both agree. */
    static String size(int[] v) {
        for (int x : v) if (x != v[0]) return java.util.Arrays.toString(v);
        return Integer.toString(v[0]);
    }
}
