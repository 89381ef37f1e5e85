package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Sum over {@code dims} (all when null), keeping them as size 1 when {@code keepdim}.
 * Backward: g broadcast back over the summed dims.
 */
public record Sum(Tensor x, boolean[] reduced, boolean keepdim) implements Op {
    public static Tensor apply(Tensor x, int[] dims, boolean keepdim) {
        int r = x.rank();
        boolean[] reduce = new boolean[r];
        if (dims == null) java.util.Arrays.fill(reduce, true);
        else for (int d : dims) reduce[Shapes.axis("sum", d, r)] = true;
        int[] shape = x.shape();
        int block = 1, kept = 0;
        for (int i = 0; i < r; i++) if (reduce[i]) block *= shape[i]; else kept++;
        int[] outShape = new int[keepdim ? r : kept];
        for (int i = 0, j = 0; i < r; i++) {
            if (keepdim) outShape[i] = reduce[i] ? 1 : shape[i];
            else if (!reduce[i]) outShape[j++] = shape[i];
        }
        Tensor out = Loops.blockSums(Loops.reduceLayout(x, reduce), block, outShape);
        return Autograd.record(out, new Sum(x, reduce, keepdim));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        int[] shape = x.shape();
        int[] keptShape = shape.clone();
        for (int i = 0; i < shape.length; i++) if (reduced[i]) keptShape[i] = 1;
        return new Tensor[] {g.reshape(keptShape).expand(shape).contiguousData()};
    }
}
