package io.backprop4j.internal.kernel;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which of two loops that give the same bits a kernel runs while the JIT warms up. A Vector API
 * loop runs interpreted, or compiled by C1 without the intrinsics, tens of times slower than a
 * plain loop until C2 has compiled it (seconds into a run, later on a loaded machine): fmnist-cnn's
 * first forward pass spent seconds in such loops. So for its first {@code plainCalls} calls a
 * kernel takes its plain loop, but one call in {@link #STRIDE} takes the vector loop, which warms
 * that up for C2; after them, always the vector loop. Since both loops give the same bits, which
 * one ran never shows in the results. Safe to call from any thread.
 */
final class Warmup {
    /** One call in this many takes the vector loop during the warm-up. */
    static final int STRIDE = 8;

    private final long plainCalls;
    private final AtomicLong calls = new AtomicLong();
    private volatile boolean warm;

    Warmup(long plainCalls) {
        this.plainCalls = plainCalls;
    }

    /** Whether this call takes the vector loop. */
    boolean vector() {
        if (warm) {
            return true;
        }
        long c = calls.getAndIncrement();
        if (c >= plainCalls) {
            warm = true;
            return true;
        }
        return c % STRIDE == 0;
    }
}
