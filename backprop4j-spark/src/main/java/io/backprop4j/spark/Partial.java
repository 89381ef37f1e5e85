package io.backprop4j.spark;

import io.backprop4j.BackpropException;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * Partial sums of what the partitions send back, kept in a fixed binary tree over the partition
 * indices, so that the total does not depend on the order in which tasks finish or partial sums
 * meet ({@code treeAggregate} merges them as they arrive): every inner node's value is
 * {@code left + right} of the same two children, whatever happened first. Float addition is not
 * associative, and a sum merged in arrival order would differ in its last bits from run to run;
 * this one is the same in every run, after a task was rerun on another executor too.
 *
 * <p>Node ids are those of a heap: the root is 1, node i has children 2i and 2i + 1, and
 * partition p is leaf {@code leaves + p}, where {@code leaves} is the smallest power of two
 * that is at least the number of partitions. Leaves beyond the last partition are empty.
 */
final class Partial implements Serializable {
    /**
     * What one partition (or a subtree of them) sends back.
     *
     * @param values the summed vector (gradients, or weights and optimiser state, each already
     *     weighted by the partition's share), or null for none (a partition without examples)
     * @param count examples
     * @param lossSum the summed loss (each batch's mean loss times its examples)
     * @param correct right answers (classification)
     * @param batchCount per batch of an averaging round: examples (null for one step)
     * @param batchLoss per batch: the summed loss
     * @param batchCorrect per batch: right answers
     * @param first what is taken from the first partition (by index) that has it, not summed (the optimiser's step counts and layout), or null
     * @param problem the first partition's (by index) description of a non-finite loss, or null
     * @param problemBatch the batch of the round where it happened, from 0
     * @param computeNanos the longest compute time of one partition's task, for the cost per step
     */
    record Node(float[] values, long count, double lossSum, long correct, long[] batchCount, double[] batchLoss,
                long[] batchCorrect, Serializable first, String problem, int problemBatch, long computeNanos)
            implements Serializable {

        static Node merge(Node left, Node right) {
            float[] v;
            if (left.values == null) v = right.values;
            else if (right.values == null) v = left.values;
            else {
                if (left.values.length != right.values.length) {
                    throw new BackpropException("partitions sent vectors of " + left.values.length + " and " + right.values.length
                            + " values: do the model replicas differ?");
                }
                v = new float[left.values.length];
                for (int i = 0; i < v.length; i++) v[i] = left.values[i] + right.values[i];
            }
            return new Node(v, left.count + right.count, left.lossSum + right.lossSum, left.correct + right.correct,
                    add(left.batchCount, right.batchCount), add(left.batchLoss, right.batchLoss), add(left.batchCorrect, right.batchCorrect),
                    left.first != null ? left.first : right.first,
                    left.problem != null ? left.problem : right.problem,
                    left.problem != null ? left.problemBatch : right.problemBatch,
                    Math.max(left.computeNanos, right.computeNanos));
        }

        static final Node EMPTY = new Node(null, 0, 0, 0, null, null, null, null, null, -1, 0);

        private static long[] add(long[] a, long[] b) {
            if (a == null) return b;
            if (b == null) return a;
            long[] c = new long[a.length];
            for (int i = 0; i < c.length; i++) c[i] = a[i] + b[i];
            return c;
        }

        private static double[] add(double[] a, double[] b) {
            if (a == null) return b;
            if (b == null) return a;
            double[] c = new double[a.length];
            for (int i = 0; i < c.length; i++) c[i] = a[i] + b[i];
            return c;
        }
    }

    private final int partitions;
    private final int leaves;
    private final TreeMap<Integer, Node> nodes = new TreeMap<>();

    private Partial(int partitions) {
        if (partitions < 1) throw new BackpropException("Partial: " + partitions + " partitions");
        this.partitions = partitions;
        this.leaves = Integer.highestOneBit(partitions) == partitions ? partitions : Integer.highestOneBit(partitions) << 1;
    }

    /** Nothing yet: the zero value of the aggregation. */
    static Partial empty(int partitions) {
        return new Partial(partitions);
    }

    /** Partition {@code p}'s own result. */
    static Partial leaf(int partitions, int p, Node node) {
        Partial x = new Partial(partitions);
        if (p < 0 || p >= partitions) throw new BackpropException("Partial: partition " + p + " of " + partitions);
        x.put(x.leaves + p, node);
        return x;
    }

    /** Adds what {@code other} holds to this one (both over the same partitions); returns this. */
    Partial merge(Partial other) {
        if (other.partitions != partitions) throw new BackpropException("Partial: " + partitions + " and " + other.partitions + " partitions");
        for (Map.Entry<Integer, Node> e : other.nodes.entrySet()) put(e.getKey(), e.getValue());
        return this;
    }

    /** The total over all partitions. */
    Node total() {
        Node root = nodes.get(1);
        if (root == null || nodes.size() != 1) throw new BackpropException("Partial: results of some partitions are missing (" + nodes.keySet() + ")");
        return root;
    }

    private void put(int id, Node node) {
        if (nodes.putIfAbsent(id, node) != null) throw new BackpropException("Partial: node " + id + " arrived twice");
        // Climb while the sibling is there (or is an empty range beyond the last partition).
        while (id > 1) {
            int sibling = id ^ 1;
            Node other = nodes.get(sibling);
            if (other == null && !beyondLastPartition(sibling)) return;
            Node self = nodes.remove(id);
            if (other != null) nodes.remove(sibling);
            else other = Node.EMPTY;
            Node merged = (id & 1) == 0 ? Node.merge(self, other) : Node.merge(other, self);
            id >>= 1;
            if (nodes.putIfAbsent(id, merged) != null) throw new BackpropException("Partial: node " + id + " arrived twice");
        }
    }

    /** Whether every leaf under node {@code id} lies beyond the last partition. */
    private boolean beyondLastPartition(int id) {
        int depth = 31 - Integer.numberOfLeadingZeros(id);
        int span = leaves >> depth;
        long firstLeaf = (long) (id - (1 << depth)) * span;
        return firstLeaf >= partitions;
    }
}
