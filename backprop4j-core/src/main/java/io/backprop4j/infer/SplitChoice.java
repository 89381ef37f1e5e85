package io.backprop4j.infer;

/**
 * Whether one place of a plan (a batch-1 layer, a convolution's filters) is faster split with the
 * {@link Handoff} helper or run by the caller alone, decided by timing both on this machine as
 * the calls come: the first call splits, the second runs alone, then the faster of the two so far
 * is taken, and every {@link #TRIAL_EVERY}th call tries the other, so that a change (a loaded
 * machine, two cores that now share less cache) is seen within a few trials. Both ways give the
 * same floats, so the choice changes only the speed.
 *
 * <p>Why measure rather than rule: on one 2-vCPU AMD Zen 5 the fmnist MLP's batch-1 split ran 2x
 * faster than one thread while the CNN's split ran 1.5x slower, and its second convolution's
 * split swung between 0.7x and 1.5x the one-thread time from second to second (the data that the
 * two cores hand each other costs what the host's placement of them makes it cost).
 *
 * <p>Each estimate is an average that gives a new time a quarter of the weight, the time first
 * capped at 4x the estimate, so that one preempted call does not flip the choice. One caller at a
 * time uses an instance (the one that holds the helper).
 */
final class SplitChoice {
    /** Calls between two trials of the way not taken. */
    static final int TRIAL_EVERY = 32;

    private long splitNanos = -1;
    private long aloneNanos = -1;
    private int calls;

    /** Whether the next call splits. */
    boolean split() {
        int c = calls++;
        if (splitNanos < 0) return true;
        if (aloneNanos < 0) return false;
        boolean faster = splitNanos <= aloneNanos;
        return c % TRIAL_EVERY == 0 ? !faster : faster;
    }

    /** Records how long a call took, split or alone. */
    void record(boolean split, long nanos) {
        if (split) splitNanos = smooth(splitNanos, nanos);
        else aloneNanos = smooth(aloneNanos, nanos);
    }

    private static long smooth(long estimate, long nanos) {
        long t = Math.max(0, nanos);
        if (estimate < 0) return t;
        t = Math.min(t, 4 * estimate + 1);
        return estimate + (t - estimate) / 4;
    }

    /** The current estimates, for tests and toString: split and alone nanoseconds (-1 before the first). */
    long[] estimates() {
        return new long[] {splitNanos, aloneNanos};
    }

    @Override
    public String toString() {
        return "SplitChoice(split " + splitNanos + " ns, alone " + aloneNanos + " ns)";
    }
}
