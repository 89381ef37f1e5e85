package io.backprop4j.internal.kernel;

import io.backprop4j.BackpropException;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The library's one thread pool: {@link #threads()} threads in all, the caller plus
 * {@code threads() - 1} daemon workers named {@code backprop4j-1}, {@code backprop4j-2}, ...
 *
 * <p>The size is read once, from the system property {@code backprop4j.threads}, else the
 * environment variable {@code BACKPROP4J_THREADS}, else {@link Runtime#availableProcessors()}.
 * A value that is not a whole number from 1 to {@link #maxThreads} is refused: every call that
 * needs the pool then throws a {@link BackpropException} naming the setting (never an
 * ExceptionInInitializerError), and {@link #checkSettings()} reports it up front.
 *
 * <p>{@link #forRange} is a fork-join over an index range built for calls that last from a few
 * microseconds to seconds, thousands of times a second: the caller takes chunks itself, idle
 * workers spin briefly before they park, and a call allocates only a small job and its counter.
 * There is no queue: the pool runs one job at a time, and a call that finds it busy (another
 * thread's job, or a call made from inside a job) runs its whole range inline. That keeps nested
 * or concurrent use free of deadlock at the cost of no extra parallelism for the second caller.
 */
public final class Parallel {

    /** A body that handles the indices {@code [from, to)}; it must be safe to run concurrently on disjoint ranges. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * The pool, started on first use (not when {@link #checkSettings} or {@link #maxThreads} are
     * called, so that a program can still set {@code backprop4j.threads} after checking it).
     */
    private static final class Pool {
        /** Why the configured size is unusable, or null. */
        static final String CONFIG_ERROR;
        static final int THREADS;

        static {
            String error = null;
            int threads = 1;
            try {
                threads = configuredThreads();
            } catch (BackpropException e) {
                error = e.getMessage();
            }
            CONFIG_ERROR = error;
            THREADS = threads;
        }

        static final Worker[] WORKERS = startWorkers(CONFIG_ERROR != null ? 1 : THREADS);
    }

    /** Chunks per thread: more than one so that a descheduled worker does not stall the call. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** How long an idle worker polls for the next job before it parks; wake-up from park costs tens of microseconds. */
    private static final long SPIN_NANOS = 50_000;

    /** The job now running, or null; workers poll it, callers claim it with a CAS. */
    private static final AtomicReference<Job> CURRENT = new AtomicReference<>();

    private Parallel() {
    }

    /**
     * The number of threads that {@link #forRange} uses, caller included; at least 1.
     *
     * @throws BackpropException if the configured size is unusable
     */
    public static int threads() {
        if (Pool.CONFIG_ERROR != null) {
            throw new BackpropException(Pool.CONFIG_ERROR);
        }
        return Pool.THREADS;
    }

    /** The largest pool size accepted: 8 threads per processor. */
    public static int maxThreads() {
        return 8 * Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Checks the pool size settings without starting the pool, as a command line checks its
     * options before doing any work.
     *
     * @throws BackpropException naming the setting and the value, when it is unusable
     */
    public static void checkSettings() {
        configuredThreads();
    }

    /**
     * A scope in which {@link #forRange} runs every range on the calling thread (scopes nest and
     * belong to the thread): for work too small to be worth a hand-off, such as inference on one
     * sample, where waking a worker (tens of microseconds, more on a loaded machine) costs more
     * than the work. Results do not change: the kernels give the same floats with any number of
     * threads.
     *
     * <pre>{@code
     * try (var t = Parallel.onCallingThread()) { ... }
     * }</pre>
     */
    public static CallingThread onCallingThread() {
        int[] depth = INLINE.get();
        depth[0]++;
        return new CallingThread(depth);
    }

    /** The scope of {@link #onCallingThread}; closing it twice is harmless. */
    public static final class CallingThread implements AutoCloseable {
        private final int[] depth;
        private boolean closed;

        private CallingThread(int[] depth) {
            this.depth = depth;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                depth[0]--;
            }
        }
    }

    private static final ThreadLocal<int[]> INLINE = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks of about {@code grain}
     * indices or more (at most {@code 4 * threads()} chunks), in parallel, and returns when all
     * are done. Runs {@code body.run(0, n)} inline when {@code n <= grain}, when there is one
     * thread, when called from a pool thread or inside {@link #onCallingThread}, or when the pool is busy with another call. The
     * first exception thrown by a chunk is rethrown here after all chunks have finished.
     *
     * @param n     the size of the range; nothing happens when {@code n <= 0}
     * @param grain the smallest chunk worth a thread hand-off; values below 1 count as 1
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        if (Pool.CONFIG_ERROR != null) {
            throw new BackpropException(Pool.CONFIG_ERROR);
        }
        int g = Math.max(1, grain);
        if (n <= g || Pool.THREADS == 1 || Thread.currentThread() instanceof Worker || INLINE.get()[0] > 0) {
            body.run(0, n);
            return;
        }
        int chunks = (int) Math.min((n + (long) g - 1) / g, (long) Pool.THREADS * CHUNKS_PER_THREAD);
        Job job = new Job(body, n, chunks);
        if (!CURRENT.compareAndSet(null, job)) {
            body.run(0, n);
            return;
        }
        for (Worker w : Pool.WORKERS) {
            if (w.parked) {
                LockSupport.unpark(w);
            }
        }
        job.work();
        // Every chunk is claimed: let the workers go back to waiting, then wait for the stragglers.
        CURRENT.compareAndSet(job, null);
        job.await();
        Throwable error = job.error;
        if (error instanceof RuntimeException e) {
            throw e;
        }
        if (error instanceof Error e) {
            throw e;
        }
        if (error != null) {
            throw new IllegalStateException(error);
        }
    }

    private static int configuredThreads() {
        return parseThreads(System.getProperty("backprop4j.threads"), System.getenv("BACKPROP4J_THREADS"),
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * The pool size from the property, else the environment variable, else the processor count.
     *
     * @throws BackpropException if the value used is not a whole number from 1 to 8 per processor
     */
    static int parseThreads(String property, String env, int processors) {
        String value = property;
        String source = "-Dbackprop4j.threads";
        if (value == null || value.isBlank()) {
            value = env;
            source = "BACKPROP4J_THREADS";
        }
        int cores = Math.max(1, processors);
        if (value == null || value.isBlank()) {
            return cores;
        }
        int max = 8 * cores;
        String expected = "; expected a whole number of threads from 1 to " + max + " (8 per processor, " + cores + " here)";
        int t;
        try {
            t = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new BackpropException(source + "=" + value + ": not a whole number" + expected);
        }
        if (t < 1 || t > max) {
            throw new BackpropException(source + "=" + value + ": " + (t < 1 ? "too few" : "too many") + expected);
        }
        return t;
    }

    private static Worker[] startWorkers(int threads) {
        Worker[] workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("backprop4j-" + (i + 1));
            workers[i].start();
        }
        return workers;
    }

    /** One forRange call. {@code next} (inherited) hands out chunk numbers; {@code pending} counts chunks not yet finished. */
    private static final class Job extends AtomicInteger {
        private final RangeBody body;
        private final int n;
        private final int chunks;
        private final AtomicInteger pending;
        private volatile Thread waiter;
        private volatile Throwable error;

        Job(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.pending = new AtomicInteger(chunks);
        }

        /** Runs chunks until none is left to claim. */
        void work() {
            int i;
            while ((i = getAndIncrement()) < chunks) {
                int from = (int) ((long) i * n / chunks);
                int to = (int) ((long) (i + 1) * n / chunks);
                try {
                    body.run(from, to);
                } catch (Throwable t) {
                    if (error == null) {
                        error = t;
                    }
                }
                if (pending.decrementAndGet() == 0) {
                    Thread w = waiter;
                    if (w != null) {
                        LockSupport.unpark(w);
                    }
                }
            }
        }

        /** Waits until every chunk has finished: spins first (chunks usually end within microseconds), then parks. */
        void await() {
            long start = System.nanoTime();
            while (pending.get() != 0) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (pending.get() != 0) {
                        LockSupport.park(this);
                    }
                }
            }
        }

        boolean hasUnclaimed() {
            return get() < chunks;
        }
    }

    private static final class Worker extends Thread {
        /** Set before parking and re-checked against CURRENT, so a job published meanwhile is never missed. */
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Job job = CURRENT.get();
                if (job != null && job.hasUnclaimed()) {
                    job.work();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    Job again = CURRENT.get();
                    if (again == null || !again.hasUnclaimed()) {
                        LockSupport.park(Parallel.class);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
