package io.backprop4j.spark;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Parameter;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.random.RandomGenerator;

/**
 * A copy of the model on an executor, built once by the {@link ModelFactory} and reused by the
 * tasks of one training run (a task borrows one, so two tasks never share one). It holds no
 * state between tasks that matters: every task first loads the driver's weights (and, for
 * averaging, the optimiser state), so a task rerun on another executor computes the same.
 */
final class Replica {
    final Module model;
    final List<Parameter> params;
    final List<Tensor> buffers;
    final Restartable random;
    final int size;
    private final List<String> names = new ArrayList<>();
    private final List<Output> outputs = new ArrayList<>();
    Optimizer optimizer;

    private record Output(String name, Module module, Tensor value) {}

    private Replica(ModelFactory factory) {
        this.random = new Restartable();
        this.model = factory.create(random);
        this.params = model.parameters();
        this.buffers = new ArrayList<>(model.namedBuffers().values());
        int n = 0;
        for (var e : model.namedParameters().entrySet()) {
            names.add(e.getKey());
            n += e.getValue().numel();
        }
        for (var e : model.namedBuffers().entrySet()) {
            names.add(e.getKey());
            n += e.getValue().numel();
        }
        this.size = n;
        // Each layer's output of the last pass, to name the first non-finite one as the Trainer does.
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getKey().isEmpty()) continue;
            String name = e.getKey();
            e.getValue().registerForwardHook((m, in, out) -> outputs.add(new Output(name, m, out)));
        }
    }

    /** The tensor names and sizes, to check against the driver's model. */
    String layout() {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (Tensor t : all()) sb.append(names.get(i++)).append(Arrays.toString(t.shape())).append(' ');
        return sb.toString().strip();
    }

    private List<Tensor> all() {
        List<Tensor> all = new ArrayList<>(params);
        all.addAll(buffers);
        return all;
    }

    /** Copies the parameters then the buffers from one flat vector. */
    void load(float[] flat) {
        if (flat.length != size) {
            throw new BackpropException("the model replica has " + size + " values, the driver's model " + flat.length
                    + ": does the ModelFactory build the driver's architecture?");
        }
        int off = 0;
        try (var g = NoGrad.enter()) {
            for (Tensor t : all()) {
                int n = t.numel();
                t.copy_(Tensor.of(Arrays.copyOfRange(flat, off, off + n), t.shape()));
                off += n;
            }
        }
    }

    /** Clears the outputs noted by the forward hooks; call before each forward pass. */
    void clearOutputs() {
        outputs.clear();
    }

    /** "; the first non-finite output is layer 2's (Linear(...))", or a note that the input held one, or "". */
    String firstNonFinite(Tensor input) {
        if (!finite(input)) return " (the input batch already holds a NaN or infinity)";
        for (Output o : outputs) {
            if (!finite(o.value())) return "; the first non-finite output is layer " + o.name() + "'s (" + o.module() + ")";
        }
        return "";
    }

    static boolean finite(Tensor t) {
        for (float f : t.toFloatArray()) if (!Float.isFinite(f)) return false;
        return true;
    }

    /** The parameters (and buffers when asked) as one flat vector, each value times {@code scale}. */
    static float[] flatten(List<? extends Tensor> tensors, int size, double scale, boolean gradients) {
        float[] out = new float[size];
        int off = 0;
        for (Tensor t : tensors) {
            Tensor src = gradients ? t.grad() : t;
            int n = t.numel();
            if (src != null) {
                float[] v = src.toFloatArray();
                if (scale == 1) System.arraycopy(v, 0, out, off, n);
                else for (int i = 0; i < n; i++) out[off + i] = (float) (v[i] * scale);
            }
            off += n;
        }
        return out;
    }

    /** Parameters then buffers of {@code model}, flat: what the driver broadcasts. */
    static float[] weights(Module model) {
        List<Tensor> all = new ArrayList<>(model.parameters());
        all.addAll(model.namedBuffers().values());
        int n = 0;
        for (Tensor t : all) {
            if (t.dtype() != DType.FLOAT32) {
                throw new BackpropException("SparkTrainer trains float32 models; this one has a " + t.dtype() + " tensor of shape "
                        + Arrays.toString(t.shape()));
            }
            n += t.numel();
        }
        return flatten(all, n, 1, false);
    }

    /** Writes {@code flat} (parameters then buffers, from {@code offset}) into the driver's model; returns the next offset. */
    static int writeBuffers(Module model, float[] flat, int offset) {
        try (var g = NoGrad.enter()) {
            for (Tensor t : model.namedBuffers().values()) {
                int n = t.numel();
                t.copy_(Tensor.of(Arrays.copyOfRange(flat, offset, offset + n), t.shape()));
                offset += n;
            }
        }
        return offset;
    }

    // ----------------------------------------------------------------- the executors' pool

    private static final int RUNS_KEPT = 4;
    private static final Map<String, ConcurrentLinkedQueue<Replica>> POOL = new ConcurrentHashMap<>();
    private static final List<String> RUNS = new ArrayList<>();

    /** A replica of run {@code run}: a free one, or a new one. */
    static Replica borrow(String run, ModelFactory factory) {
        ConcurrentLinkedQueue<Replica> free;
        synchronized (RUNS) {
            free = POOL.computeIfAbsent(run, k -> new ConcurrentLinkedQueue<>());
            RUNS.remove(run);
            RUNS.add(run);
            // Keep the replicas of the last few runs only (a long-lived executor, a driver in local mode).
            while (RUNS.size() > RUNS_KEPT) POOL.remove(RUNS.removeFirst());
        }
        Replica r = free.poll();
        return r != null ? r : new Replica(factory);
    }

    static void giveBack(String run, Replica r) {
        ConcurrentLinkedQueue<Replica> free = POOL.get(run);
        if (free != null) free.add(r);
    }

    /** Forgets the replicas of run {@code run} in this JVM. */
    static void forget(String run) {
        synchronized (RUNS) {
            POOL.remove(run);
            RUNS.remove(run);
        }
    }

    // ----------------------------------------------------------------- batch orders

    private record OrderKey(int n, long seed, int epoch) {}

    private static final Map<OrderKey, int[]> ORDERS = new LinkedHashMap<>();

    /** {@link io.backprop4j.data.DataLoader#shuffledOrder} of epoch {@code epoch} (from 1), kept for the epoch's steps. */
    static int[] order(int n, long seed, int epoch) {
        OrderKey key = new OrderKey(n, seed, epoch);
        synchronized (ORDERS) {
            int[] o = ORDERS.get(key);
            if (o != null) return o;
        }
        int[] o = io.backprop4j.data.DataLoader.shuffledOrder(n, seed, epoch - 1);
        synchronized (ORDERS) {
            ORDERS.put(key, o);
            while (ORDERS.size() > 8) ORDERS.remove(ORDERS.keySet().iterator().next());
        }
        return o;
    }

    /**
     * The generator given to the model's layers (dropout): restarted for every task at a value
     * that depends only on (seed, epoch, step, partition), so a rerun task draws the same masks.
     */
    static final class Restartable implements RandomGenerator {
        private SplittableRandom stream = new SplittableRandom(0);

        void restart(long seed, int epoch, long step, int partition) {
            long z = seed;
            for (long v : new long[] {epoch, step, partition}) {
                z += 0x9E3779B97F4A7C15L * (v + 1);
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                z ^= z >>> 31;
            }
            stream = new SplittableRandom(z);
        }

        @Override
        public long nextLong() {
            return stream.nextLong();
        }
    }
}
