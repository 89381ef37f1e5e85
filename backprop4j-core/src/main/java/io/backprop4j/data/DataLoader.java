package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Cuts a {@link Dataset} into mini-batches, epoch after epoch.
 *
 * <p>Without shuffling, epoch after epoch visits the examples in order. With
 * {@link #shuffled(long)}, each epoch visits them in a random order that is a function of the seed
 * and the epoch number only, so a run resumed at epoch {@code e} (or at batch {@code b} of it, see
 * {@link #batch(int, int)}) sees exactly the batches the interrupted run would have seen. Every
 * example is in exactly one batch per epoch; the last batch holds the remainder (fewer examples)
 * unless {@link #dropLast()} drops it.
 *
 * <pre>{@code
 * var loader = new DataLoader(train, 32).shuffled(42);
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     for (DataLoader.Batch b : loader.epoch(epoch)) {
 *         Tensor logits = model.forward(b.features());   // [b.size(), d]
 *         ... b.labels() ...
 *     }
 * }
 * }</pre>
 *
 * <p>Each batch gets new arrays (a model may keep references to its input for backward), copied
 * from the dataset with one {@code System.arraycopy} per example.
 */
public final class DataLoader {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;

    private int cachedEpoch = -1;
    private int[] cachedOrder;

    /**
     * One mini-batch.
     *
     * @param features float32 {@code [size, d]}
     * @param labels class labels, or null for a set without them
     * @param targets float32 {@code [size]} or {@code [size, k]}, or null
     * @param indices the examples' positions in the dataset
     * @param epoch the epoch this batch belongs to
     * @param index the batch's position in its epoch, from 0
     */
    public record Batch(Tensor features, int[] labels, Tensor targets, int[] indices, int epoch, int index) {
        /** The number of examples in this batch. */
        public int size() {
            return indices.length;
        }
    }

    /**
     * A loader visiting {@code data} in order, {@code batchSize} examples at a time, keeping the
     * last partial batch.
     *
     * @throws BackpropException when {@code batchSize < 1}
     */
    public DataLoader(Dataset data, int batchSize) {
        this(data, batchSize, false, 0, false);
    }

    private DataLoader(Dataset data, int batchSize, boolean shuffle, long seed, boolean dropLast) {
        if (data == null) throw new BackpropException("DataLoader: dataset is null");
        if (batchSize < 1) throw new BackpropException("DataLoader: invalid batch size: " + batchSize);
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
    }

    /** This loader, shuffling each epoch in an order determined by {@code (seed, epoch)}. */
    public DataLoader shuffled(long seed) {
        return new DataLoader(data, batchSize, true, seed, dropLast);
    }

    /** This loader, shuffling with a seed drawn once from {@code rng} (one {@code nextLong()}). */
    public DataLoader shuffled(RandomGenerator rng) {
        return shuffled(rng.nextLong());
    }

    /** This loader, dropping the last batch of each epoch when it has fewer than batchSize examples. */
    public DataLoader dropLast() {
        return new DataLoader(data, batchSize, shuffle, seed, true);
    }

    public Dataset dataset() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The number of batches per epoch. */
    public int batchCount() {
        int n = data.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * The order in which epoch {@code epoch} visits the examples: a permutation of
     * {@code 0..size-1} (the identity without shuffling). A new array.
     */
    public int[] order(int epoch) {
        if (epoch < 0) throw new BackpropException("DataLoader: invalid epoch: " + epoch);
        int n = data.size();
        if (shuffle) return shuffledOrder(n, seed, epoch);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        return order;
    }

    /**
     * The order in which a loader {@link #shuffled(long) shuffled} with {@code seed} visits
     * {@code n} examples in epoch {@code epoch} (from 0), the same as its {@link #order}: for code
     * that holds the examples elsewhere (partitions on a cluster) and must cut the same batches.
     * A Fisher-Yates shuffle drawn from (seed, epoch); a new array.
     */
    public static int[] shuffledOrder(int n, long seed, int epoch) {
        if (n < 0) throw new BackpropException("DataLoader: invalid number of examples: " + n);
        if (epoch < 0) throw new BackpropException("DataLoader: invalid epoch: " + epoch);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        RandomGenerator rng = new SplittableRandom(mix(seed, epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Batch {@code index} of epoch {@code epoch}, the same as the epoch's iterator gives. */
    public Batch batch(int epoch, int index) {
        if (index < 0 || index >= batchCount()) {
            throw new BackpropException("DataLoader: batch " + index + " is outside [0, " + batchCount() + ")");
        }
        int[] order;
        synchronized (this) {
            if (cachedEpoch != epoch) {
                cachedOrder = order(epoch);
                cachedEpoch = epoch;
            }
            order = cachedOrder;
        }
        return makeBatch(order, epoch, index);
    }

    /** The batches of epoch {@code epoch} (epochs count from 0), in order. */
    public Iterable<Batch> epoch(int epoch) {
        int[] order = order(epoch);
        int count = batchCount();
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Batch next() {
                if (next >= count) throw new NoSuchElementException();
                return makeBatch(order, epoch, next++);
            }
        };
    }

    private Batch makeBatch(int[] order, int epoch, int index) {
        int start = index * batchSize;
        int end = Math.min(order.length, start + batchSize);
        int[] indices = new int[end - start];
        System.arraycopy(order, start, indices, 0, indices.length);
        Tensor features = Tensor.of(Dataset.gatherRows(data.features(), indices), indices.length, data.numFeatures());
        int[] labels = null;
        if (data.labels() != null) {
            labels = new int[indices.length];
            int[] all = data.labels();
            for (int k = 0; k < indices.length; k++) labels[k] = all[indices[k]];
        }
        Tensor targets = null;
        if (data.targets() != null) {
            int[] shape = data.targets().shape();
            shape[0] = indices.length;
            targets = Tensor.of(Dataset.gatherRows(data.targets(), indices), shape);
        }
        return new Batch(features, labels, targets, indices, epoch, index);
    }

    /** A 64-bit mix of seed and epoch (SplitMix64's finaliser), so nearby epochs get unrelated streams. */
    private static long mix(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "DataLoader(size=" + data.size() + ", batchSize=" + batchSize + ", shuffle=" + shuffle
                + (shuffle ? ", seed=" + seed : "") + ", dropLast=" + dropLast + ")";
    }
}
