package io.backprop4j.train;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A random generator whose stream restarts at each epoch from a value that depends only on
 * (seed, epoch). Give it to the layers that draw during training (dropout), and give it to the
 * {@link Trainer}, which calls {@link #startEpoch} before each epoch: a run resumed from a
 * checkpoint at epoch e then draws exactly the numbers the uninterrupted run drew, without
 * saving any generator state.
 *
 * <pre>{@code
 * var dropoutRng = new EpochRandom(42);
 * var model = new Sequential(..., new Dropout(0.2, dropoutRng), ...);
 * Trainer.builder().seed(42).epochRandom(dropoutRng)...
 * }</pre>
 */
public final class EpochRandom implements RandomGenerator {
    private final long seed;
    private SplittableRandom stream;

    /** A generator for {@code seed}, positioned at the start of epoch 0 until {@link #startEpoch} is called. */
    public EpochRandom(long seed) {
        this.seed = seed;
        this.stream = new SplittableRandom(mix(seed, -1));
    }

    /** Restarts the stream for {@code epoch} (epochs count from 1 in the Trainer). */
    public void startEpoch(int epoch) {
        stream = new SplittableRandom(mix(seed, epoch));
    }

    public long seed() {
        return seed;
    }

    @Override
    public long nextLong() {
        return stream.nextLong();
    }

    /** SplitMix64's finaliser over seed and epoch; a different constant from DataLoader's. */
    static long mix(long seed, long epoch) {
        long z = seed ^ 0x5DEECE66DL;
        z += 0xD1B54A32D192ED03L * (epoch + 2);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "EpochRandom(seed=" + seed + ")";
    }
}
