package io.backprop4j.spark;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Dataset;
import io.backprop4j.tensor.Tensor;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The examples of one partition, as plain arrays: those with global indices
 * {@code [first, first + size)} of the training set. The batch order of an epoch is a
 * permutation of the global indices, so each partition finds its share of every batch itself.
 *
 * @param first the global index of its first example
 * @param size its number of examples
 * @param features {@code [size, dims]}, row-major
 * @param labels class labels, or null (regression)
 * @param targets {@code [size, targetWidth]}, row-major, or null (classification)
 * @param targetWidth values per target; 0 for a target of shape {@code [n]}
 */
record Shard(long first, int size, int dims, float[] features, int[] labels, float[] targets, int targetWidth)
        implements Serializable {

    /** Rows {@code [from, to)} of a data set; global indices from {@code from}. */
    static Shard of(Dataset data, int from, int to) {
        int d = data.numFeatures();
        int n = to - from;
        float[] x = data.features().narrow(0, from, n).toFloatArray();
        int[] labels = data.labels() == null ? null : Arrays.copyOfRange(data.labels(), from, to);
        float[] targets = null;
        int width = 0;
        if (data.targets() != null) {
            Tensor t = data.targets();
            width = t.rank() == 1 ? 0 : t.size(1);
            targets = t.narrow(0, from, n).toFloatArray();
        }
        return new Shard(from, n, d, x, labels, targets, width);
    }

    /** The examples of a partition of an RDD (indices from zipWithIndex: consecutive within it). */
    static Shard of(Iterator<scala.Tuple2<Example, Long>> it, int partition) {
        FloatList x = new FloatList();
        FloatList y = new FloatList();
        IntList labels = new IntList();
        long first = -1;
        int n = 0;
        int dims = -1;
        int width = -1;
        while (it.hasNext()) {
            scala.Tuple2<Example, Long> t = it.next();
            Example e = t._1();
            if (first < 0) first = t._2();
            else if (t._2() != first + n) throw new BackpropException("partition " + partition + ": example indices are not consecutive");
            if (dims < 0) dims = e.features().length;
            else if (e.features().length != dims) {
                throw new BackpropException("example " + t._2() + " has " + e.features().length + " features, the first one has " + dims);
            }
            x.add(e.features());
            if (e.target() != null) {
                if (width >= 0 && width != e.target().length) throw new BackpropException("example " + t._2() + ": targets differ in length");
                width = e.target().length;
                y.add(e.target());
            }
            if (e.label() >= 0) labels.add(e.label());
            if (e.label() >= 0 == (e.target() != null)) {
                throw new BackpropException("example " + t._2() + " has " + (e.label() >= 0 ? "both a label and a target" : "neither a label nor a target"));
            }
            n++;
        }
        if (labels.size > 0 && labels.size != n || y.size > 0 && width * n != y.size) {
            throw new BackpropException("partition " + partition + " mixes labelled examples and examples with targets");
        }
        return new Shard(Math.max(first, 0), n, Math.max(dims, 0), x.toArray(), labels.size == 0 ? null : labels.toArray(),
                y.size == 0 ? null : y.toArray(), width <= 1 ? 0 : width);
    }

    /** The largest label plus one, or 0. */
    int classes() {
        int max = -1;
        if (labels != null) for (int l : labels) max = Math.max(max, l);
        return max + 1;
    }

    /**
     * The local rows of global batch {@code b} (examples {@code order[b*batch ..]}), in batch order.
     */
    int[] rowsOf(int[] order, int b, int batch) {
        int from = b * batch;
        int to = Math.min(order.length, from + batch);
        int count = 0;
        int[] rows = new int[to - from];
        for (int i = from; i < to; i++) {
            long local = order[i] - first;
            if (local >= 0 && local < size) rows[count++] = (int) local;
        }
        return Arrays.copyOf(rows, count);
    }

    Tensor features(int[] rows) {
        float[] out = new float[rows.length * dims];
        for (int k = 0; k < rows.length; k++) System.arraycopy(features, rows[k] * dims, out, k * dims, dims);
        return Tensor.of(out, rows.length, dims);
    }

    int[] labels(int[] rows) {
        if (labels == null) return null;
        int[] out = new int[rows.length];
        for (int k = 0; k < rows.length; k++) out[k] = labels[rows[k]];
        return out;
    }

    Tensor targets(int[] rows) {
        if (targets == null) return null;
        int w = Math.max(1, targetWidth);
        float[] out = new float[rows.length * w];
        for (int k = 0; k < rows.length; k++) System.arraycopy(targets, rows[k] * w, out, k * w, w);
        return targetWidth == 0 ? Tensor.of(out, rows.length) : Tensor.of(out, rows.length, w);
    }

    private static final class FloatList {
        float[] a = new float[1024];
        int size;

        void add(float[] v) {
            if (size + v.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, size + v.length));
            System.arraycopy(v, 0, a, size, v.length);
            size += v.length;
        }

        float[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    private static final class IntList {
        int[] a = new int[256];
        int size;

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
