package io.backprop4j.infer;

import io.backprop4j.BackpropException;
import io.backprop4j.internal.Storage;
import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.internal.kernel.VectorMath;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.Conv1d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Sequential prepared for prediction: {@link #predict} gives the same floats as {@code
 * model.forward(x)} under {@link NoGrad} in evaluation mode, with buffers kept between calls
 * instead of a new tensor per layer. A run of float32 {@link Linear} layers ({@code
 * DenseChain}) keeps each weight packed once: in panels for the matrix-vector kernel at batch 1
 * to 4 ({@code PackedGemv}, a large layer's output columns split between the calling thread and
 * one spinning helper thread), as {@code Gemm.PackedB} past that (the batch split into one block
 * of rows per thread, each block through every layer of the run); each layer writes into its
 * buffer (the bias first, the product added on top, as {@code Linear} does) and takes a {@link
 * ReLU} right after it in the same buffer. A run of float32 {@link Conv2d} layers, each with the
 * ReLU and the {@link MaxPool2d} after it, runs image by image (a group of up to 8 images at a
 * time) while the planes are in cache ({@code ConvChain}; at batch 1 to 4 a large convolution's
 * filters split with the helper); a ReLU after a batch norm overwrites its new output in place;
 * every other layer runs its own {@code forward}. Up to {@link #ONE_THREAD_BATCH} samples stay
 * off the pool, and each call either splits with the helper or runs on the calling thread alone,
 * whichever the plan has measured faster on this machine so far (it times whole calls and tries
 * the other way now and then, {@code SplitChoice}); larger batches spread the convolutions'
 * images and the dense rows over the pool. Whichever thread computes a value, it is the same float. {@link #predictRows} takes any number
 * of rows in chunks of {@link #CHUNK_ROWS}.
 *
 * <pre>{@code
 * InferencePlan plan = InferencePlan.of(model);
 * Tensor probabilities = plan.predict(x);   // x [1, 784]: what model.forward(x) gives, in eval mode without a graph
 * }</pre>
 *
 * <p>The packed weights follow the model: a weight or bias changed since (an optimiser step,
 * {@code loadStateDict}) is packed again on the next call ({@link Tensor#version()}). The
 * returned tensor is the caller's; the buffers are the plan's, so one plan serves one thread at a
 * time. Forward hooks of the planned Linear, Conv2d, ReLU and MaxPool2d layers do not run.
 */
public final class InferencePlan {
    /**
     * Batches up to this size run on the calling thread ({@code Parallel.onCallingThread}, internal): a
     * hand-off to a worker costs more than the work of a few samples.
     */
    public static final int ONE_THREAD_BATCH = 4;
    private final Sequential model;
    private final List<PlanStep> steps;

    /** Every module of the model's tree, to see without allocating whether one is in training mode. */
    private final Module[] tree;

    /** Whether batches of 1 to 4 may split their work with the {@link Handoff} helper (off for A/B timings only). */
    private final boolean split;
    /**
     * Per batch size 1 to 4: whether a call is faster split with the helper or on the calling
     * thread alone, timed call by call on this machine. Whole calls are timed, not each split:
     * the data one thread leaves in its cache for the next layer costs the other what the two
     * cores' placement makes it cost, so splitting one layer can slow the next.
     */
    private final SplitChoice[] choices = new SplitChoice[ONE_THREAD_BATCH + 1];

    private InferencePlan(Sequential model, List<PlanStep> steps, boolean split) {
        this.model = model;
        this.steps = steps;
        this.split = split;
        for (int b = 0; b < choices.length; b++) choices[b] = new SplitChoice();
        List<Module> all = new ArrayList<>();
        walk(model, all);
        this.tree = all.toArray(Module[]::new);
        this.modes = new boolean[tree.length];
    }

    private static void walk(Module m, List<Module> out) {
        out.add(m);
        for (Module c : m.children().values()) walk(c, out);
    }

    /** The tree's modes while a call runs in evaluation mode, to be put back. */
    private final boolean[] modes;

    /**
     * Puts the whole tree in evaluation mode for a call, what {@code model.evalScope()} does
     * without its map per call; returns whether anything was in training mode ({@link #restoreModes} then).
     */
    private boolean evalModes() {
        boolean any = false;
        for (int i = 0; i < tree.length; i++) {
            modes[i] = tree[i].isTraining();
            any |= modes[i];
        }
        if (any) model.setTraining(false);
        return any;
    }

    /** Each module's mode as {@link #evalModes} found it (parents first: setTraining also sets the children, which come after). */
    private void restoreModes() {
        for (int i = 0; i < tree.length; i++) if (tree[i].isTraining() != modes[i]) tree[i].setTraining(modes[i]);
    }

    /** The plan of {@code model} (nested Sequentials are flattened into one chain). */
    public static InferencePlan of(Sequential model) {
        return of(model, true);
    }

    /** As {@link #of(Sequential)}; {@code split} false keeps every dense run on the calling thread's own kernels (the A/B timings' old path). */
    static InferencePlan of(Sequential model, boolean split) {
        if (model == null) throw new BackpropException("InferencePlan.of: model is null");
        List<Module> layers = new ArrayList<>();
        flatten(model, layers);
        List<PlanStep> steps = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            if (m instanceof Conv2d && m.getClass() == Conv2d.class) {
                // A run of convolutions, each with the ReLU and the max pool after it: one image at a time through all of them.
                List<ConvChain.Stage> stages = new ArrayList<>();
                List<Module> modules = new ArrayList<>();
                int j = i;
                while (j < layers.size() && layers.get(j) instanceof Conv2d c && c.getClass() == Conv2d.class) {
                    modules.add(c);
                    boolean relu = j + 1 < layers.size() && layers.get(j + 1) instanceof ReLU;
                    if (relu) modules.add(layers.get(j + 1));
                    int after = j + 1 + (relu ? 1 : 0);
                    MaxPool2d pool = after < layers.size() && layers.get(after) instanceof MaxPool2d p && p.getClass() == MaxPool2d.class ? p : null;
                    if (pool != null) modules.add(pool);
                    stages.add(new ConvChain.Stage(c, relu, pool));
                    j = after + (pool != null ? 1 : 0);
                }
                steps.add(new ConvChain(stages, modules));
                i = j - 1;
            } else if (m instanceof Linear l && l.weight().dtype() == DType.FLOAT32) {
                // a run of float32 Linears, each with the ReLU after it or not
                List<DenseChain.Layer> run = new ArrayList<>();
                int j = i;
                while (j < layers.size() && layers.get(j) instanceof Linear d && d.weight().dtype() == DType.FLOAT32) {
                    boolean relu = j + 1 < layers.size() && layers.get(j + 1) instanceof ReLU;
                    run.add(new DenseChain.Layer(d, relu));
                    j += relu ? 2 : 1;
                }
                steps.add(new DenseChain(run.toArray(DenseChain.Layer[]::new), split));
                i = j - 1;
            } else if (i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU && writesAFreshTensor(m)) {
                steps.add(new ThenReLU(m));
                i++;
            } else {
                steps.add(new Layer(m));
            }
        }
        return new InferencePlan(model, List.copyOf(steps), split);
    }

    /** Layers whose forward returns a new tensor (never a view of its input), which a ReLU after it may overwrite. */
    private static boolean writesAFreshTensor(Module m) {
        return m instanceof Conv2d || m instanceof Conv1d || m instanceof BatchNorm1d || m instanceof BatchNorm2d;
    }

    private static void flatten(Module m, List<Module> out) {
        if (m instanceof Sequential s) {
            for (Module c : s.layers()) flatten(c, out);
        } else {
            out.add(m);
        }
    }

    /** The model's output for {@code x}, as {@code model.forward(x)} gives it in evaluation mode under NoGrad. */
    public Tensor predict(Tensor x) {
        if (x == null) throw new BackpropException("InferencePlan.predict: input is null");
        int batch = x.rank() < 2 ? 1 : x.size(0);
        boolean restore = evalModes();
        // batch 1 to 4: split with the helper, or not, whichever measures faster here (SplitChoice)
        SplitChoice choice = split && batch >= 1 && batch <= ONE_THREAD_BATCH ? choices[batch] : null;
        Handoff helper = choice != null && choice.split() ? Handoff.tryAcquire() : null;
        long t0 = System.nanoTime();
        try (var g = NoGrad.enter(); var t = batch <= ONE_THREAD_BATCH ? Parallel.onCallingThread() : null) {
            Tensor h = x;
            for (PlanStep s : steps) h = s.run(h, helper);
            // a buffer of this plan (or a view of one, after a Flatten or an Identity) is copied out
            if (h.dtype() == DType.FLOAT32) {
                float[] data = Storage.floats(h);
                for (PlanStep s : steps) {
                    if (s.owns(data)) return h.isContiguous() ? Tensor.of(copy(h), h.shape()) : h.contiguous();
                }
            }
            return h;
        } finally {
            if (helper != null) helper.release();
            if (restore) restoreModes();
            // a call that found the helper held by another caller ran alone: timed as such
            if (choice != null) choice.record(helper != null, System.nanoTime() - t0);
        }
    }

    /**
     * {@link #predict} over the rows of x [n, ...] in chunks of {@link #CHUNK_ROWS} (the plan's
     * buffers stay that size, whatever n), the outputs joined along dimension 0: what {@code
     * model.forward} gives for each chunk. A last chunk of fewer than {@link #ONE_THREAD_BATCH}
     * + 1 rows joins the one before, so that every row takes the product it takes in a batch.
     */
    public Tensor predictRows(Tensor x) {
        if (x == null) throw new BackpropException("InferencePlan.predictRows: input is null");
        int n = x.rank() < 2 ? 1 : x.size(0);
        if (n <= CHUNK_ROWS + ONE_THREAD_BATCH) return predict(x);
        List<Tensor> parts = new ArrayList<>();
        try (var g = NoGrad.enter()) {
            for (int r = 0; r < n; ) {
                int len = n - r <= CHUNK_ROWS + ONE_THREAD_BATCH ? n - r : CHUNK_ROWS;
                parts.add(predict(x.narrow(0, r, len)));
                r += len;
            }
            return Tensor.cat(0, parts.toArray(Tensor[]::new));
        }
    }

    /** Rows per call of {@link #predictRows}. */
    public static final int CHUNK_ROWS = 256;

    /** The elements of a contiguous float32 tensor, copied. */
    private static float[] copy(Tensor h) {
        return Arrays.copyOfRange(Storage.floats(h), h.offset(), h.offset() + h.numel());
    }

    /** How many Linear layers run through the packed matrix-vector kernel at batch {@code batch}, for tests and reports. */
    public int packedLayers(int batch) {
        int n = 0;
        for (PlanStep s : steps) if (s instanceof DenseChain d) n += d.packedLayers(batch);
        return n;
    }

    /** The most blocks of rows that a dense run splits batch {@code batch} into (1: not split), for tests. */
    int rowBlocks(int batch) {
        int n = 1;
        for (PlanStep s : steps) if (s instanceof DenseChain d) n = Math.max(n, d.rowBlocks(batch));
        return n;
    }

    @Override
    public String toString() {
        return "InferencePlan(" + steps.size() + " steps, " + steps.stream().mapToInt(s -> s instanceof DenseChain d ? d.size() : 0).sum() + " dense layers)";
    }

    /** How many convolutions run image by image through the plan's own buffers, for tests and reports. */
    public int planConvolutions() {
        int n = 0;
        for (PlanStep s : steps) if (s instanceof ConvChain c) n += c.stages();
        return n;
    }

    /** A layer run as it is. */
    record Layer(Module module) implements PlanStep {
        public Tensor run(Tensor x, Handoff helper) {
            return module.call(x);
        }
    }

    /**
     * A layer that writes a new tensor, then a ReLU over that tensor in place (what {@code
     * Tensor.relu} computes, without a second tensor); out of place when the output is not a
     * whole float32 array of its own.
     */
    record ThenReLU(Module module) implements PlanStep {
        public Tensor run(Tensor x, Handoff helper) {
            Tensor y = module.call(x);
            if (y.dtype() != DType.FLOAT32 || !y.isContiguous() || y.offset() != 0 || x.dtype() == DType.FLOAT32 && Storage.floats(x) == Storage.floats(y)
                    || Storage.floats(y).length != y.numel()) {
                return y.relu();
            }
            float[] v = Storage.floats(y);
            VectorMath.leakyRelu(v, 0, v, 0, v.length, 0f);
            return y;
        }
    }
}
