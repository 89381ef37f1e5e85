package io.backprop4j.spark;

import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimiser's {@link io.backprop4j.optim.Optimizer#state()} in a form that travels: the
 * float32 tensors (moment estimates, one per parameter) as one flat vector, which averaging sums
 * with the weights, and the rest (the learning rate, step counts: float64 scalars) as they are,
 * which every replica has alike.
 *
 * @param keys the entries in the state's order
 * @param shapes each entry's shape
 * @param inVector whether an entry lies in the vector (float32) or in {@code others} (float64)
 * @param others the float64 entries' values, in order
 * @param vectorSize the length of the vector
 */
record OptState(List<String> keys, List<int[]> shapes, List<Boolean> inVector, List<double[]> others, int vectorSize)
        implements Serializable {

    /** The layout and float64 values of {@code state}; {@link #vector} gives its float32 values. */
    static OptState of(Map<String, Tensor> state) {
        List<String> keys = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        List<Boolean> in = new ArrayList<>();
        List<double[]> others = new ArrayList<>();
        int size = 0;
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor t = e.getValue();
            keys.add(e.getKey());
            shapes.add(t.shape());
            boolean vec = t.dtype() == DType.FLOAT32;
            in.add(vec);
            if (vec) size += t.numel();
            else others.add(t.toDoubleArray());
        }
        return new OptState(keys, shapes, in, others, size);
    }

    /** The float32 entries of {@code state}, flat, each times {@code scale}. */
    static float[] vector(Map<String, Tensor> state, int size, double scale) {
        float[] out = new float[size];
        int off = 0;
        for (Tensor t : state.values()) {
            if (t.dtype() != DType.FLOAT32) continue;
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) out[off + i] = scale == 1 ? v[i] : (float) (v[i] * scale);
            off += v.length;
        }
        return out;
    }

    /**
     * The state again, the float32 entries read from {@code vector} at {@code offset}, and "lr"
     * replaced by {@code lr} when it is given (not NaN).
     */
    Map<String, Tensor> toMap(float[] vector, int offset, double lr) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        int other = 0;
        for (int i = 0; i < keys.size(); i++) {
            int[] shape = shapes.get(i);
            int n = 1;
            for (int s : shape) n *= s;
            if (inVector.get(i)) {
                float[] v = new float[n];
                System.arraycopy(vector, offset, v, 0, n);
                offset += n;
                m.put(keys.get(i), Tensor.of(v, shape));
            } else {
                double[] v = others.get(other++).clone();
                if (keys.get(i).equals("lr") && !Double.isNaN(lr)) v[0] = lr;
                m.put(keys.get(i), Tensor.of(v, shape));
            }
        }
        return m;
    }
}
