package io.backprop4j.infer;

import io.backprop4j.internal.kernel.Parallel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One helper thread ({@code backprop4j.infer}, not one of the pool's {@code backprop4j-N}) that takes the second half of a small product
 * while the caller does the first: a batch-1 layer of a few hundred microseconds at most, where
 * {@code Parallel.forRange} (a job allocated and the pool woken per call, tens of microseconds
 * on a loaded machine) costs more than it saves. {@link #split} posts a task that the helper,
 * spinning for {@link #SPIN_NANOS} after its last task and parked after that, picks up within
 * a cache-line transfer; a part that the helper has not claimed when the caller is done with its
 * own is run by the caller (the helper may be descheduled), so a call never waits for a thread
 * that is not running. Nothing is allocated per call.
 *
 * <p>Each part computes the same floats whichever thread runs it: results never depend on the
 * hand-off. One caller at a time holds the helper ({@link #tryAcquire}); another caller, or a
 * call made while the helper is held, runs both parts itself.
 */
final class Handoff {
    /** A task of two parts, 0 and 1, safe to run concurrently. */
    interface Task {
        void run(int part);
    }

    /** How long the helper polls for the next task before it parks (unparking costs tens of microseconds). */
    static final long SPIN_NANOS = 100_000;

    private static volatile Handoff instance;

    private final AtomicBoolean held = new AtomicBoolean();
    /** Tasks posted; the helper runs part 1 of the latest when it claims it. */
    private volatile int posted;
    /** The task of {@link #posted}; written before posted. */
    private Task task;
    /** The number of the task whose part 1 is claimed (by the helper or by the caller). */
    private final AtomicInteger claimed = new AtomicInteger();
    /** The number of the task whose part 1 is finished. */
    private volatile int finished;
    private volatile Throwable error;
    private volatile boolean parked;
    private final Thread thread;

    private Handoff() {
        thread = new Thread(this::loop, "backprop4j.infer");
        thread.setDaemon(true);
    }

    /** The helper, started on first use; null when the pool has one thread (nothing to hand off to). */
    static Handoff tryAcquire() {
        if (Parallel.threads() < 2) return null;
        Handoff h = instance;
        if (h == null) {
            synchronized (Handoff.class) {
                h = instance;
                if (h == null) {
                    h = new Handoff();
                    h.thread.start();
                    instance = h;
                }
            }
        }
        return h.held.compareAndSet(false, true) ? h : null;
    }

    /** Lets another caller take the helper. */
    void release() {
        held.set(false);
    }

    /**
     * Runs part 0 of {@code t} on this thread and part 1 on the helper (or here, when the helper
     * has not claimed it by then); returns when both are done. A part's exception is rethrown here.
     */
    void split(Task t) {
        int n = posted + 1;
        task = t;
        posted = n;   // publishes task
        if (parked) LockSupport.unpark(thread);
        Throwable mine = null;
        try {
            t.run(0);
        } catch (Throwable e) {
            mine = e;
        }
        if (claimed.compareAndSet(n - 1, n)) {
            try {
                t.run(1);
            } catch (Throwable e) {
                if (mine == null) mine = e;
            }
        } else {
            while (finished != n) Thread.onSpinWait();
            Throwable theirs = error;
            if (theirs != null) {
                error = null;
                if (mine == null) mine = theirs;
            }
        }
        if (mine instanceof RuntimeException e) throw e;
        if (mine instanceof Error e) throw e;
        if (mine != null) throw new IllegalStateException(mine);
    }

    private void loop() {
        // what the helper runs stays on it (FloatGemv would otherwise hand a large product to the pool)
        var inline = Parallel.onCallingThread();
        long idleSince = System.nanoTime();
        while (true) {
            int n = posted;
            if (claimed.get() != n && claimed.compareAndSet(n - 1, n)) {
                Task t = task;
                try {
                    t.run(1);
                } catch (Throwable e) {
                    error = e;
                }
                finished = n;
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                parked = true;
                if (posted == claimed.get()) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }
}
