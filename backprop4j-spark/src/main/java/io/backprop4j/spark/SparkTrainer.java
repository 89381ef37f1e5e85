package io.backprop4j.spark;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Dataset;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Parameter;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.EpochSteps;
import io.backprop4j.train.History;
import io.backprop4j.train.StepContext;
import io.backprop4j.train.Task;
import io.backprop4j.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Trains a backprop4j model on a Spark cluster (or in Spark's embedded local mode) with the
 * {@link Trainer}'s optimisers, schedules, metrics, listeners, checkpoints and resume: the
 * Trainer runs the fit loop, and this class only runs the batches of each epoch on the cluster
 * ({@link EpochSteps}).
 *
 * <h2>Two modes</h2>
 * <ul>
 *   <li><b>Synchronous data-parallel steps</b> (the default): each step, the driver broadcasts the
 *       weights; each partition computes, with the same engine, the gradient of its share of the
 *       global batch (the batch the single-machine Trainer would take: the same shuffle of
 *       (seed, epoch)), weighted by its share; {@code treeAggregate} sums them; the driver checks
 *       the sum, runs the gradient hook and steps the optimiser. The result is the single-machine
 *       run's up to the order of the float sums (every weight within 1e-5 after 10 epochs of
 *       digits); batch-norm statistics are those of each partition's share (the running
 *       statistics are averaged), as with PyTorch's DistributedDataParallel without SyncBatchNorm.</li>
 *   <li><b>Parameter averaging</b> ({@link Builder#averageEvery}): each partition takes K local
 *       steps on its shares of K consecutive global batches, from the driver's weights and
 *       optimiser state, with its own copy of the optimiser; then the weights, buffers and
 *       optimiser state (Adam's moments) are averaged, weighted by examples, and the round
 *       repeats. One broadcast and one aggregation per K steps instead of per step, at the cost
 *       of a result that depends on K and the number of partitions (both recorded with
 *       checkpoints).</li>
 * </ul>
 *
 * <pre>{@code
 * JavaSparkContext sc = Masters.open("local[2]", "digits");
 * int[] sizes = {64, 128, 10};
 * ModelFactory arch = rng -> Mlp.build(sizes, "relu", 0, false, rng, DType.FLOAT32);
 * Module model = arch.create(new EpochRandom(3));
 * Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-3);
 * History h = SparkTrainer.builder(sc, Trainer.builder().epochs(10).seed(3)).model(arch).build()
 *         .fit(model, opt, data.train(), data.validation());
 * }</pre>
 *
 * <h2>Determinism and failures</h2>
 * Every task is a function of what the driver broadcast and of its partition only: the batch
 * order is {@link io.backprop4j.data.DataLoader#shuffledOrder}, the dropout masks are drawn from
 * (seed, epoch, step, partition), and the partial sums meet in a fixed tree over the partitions
 * ({@link Partial}), whatever finishes first. A task lost with its executor is rerun elsewhere
 * and gives the same numbers, so a run that loses a worker ends with the weights of one that did
 * not; the same command gives the same model, bit for bit, for a given number of partitions.
 *
 * <p>Validation runs on the driver, on a {@link Dataset} it holds. Models must be float32.
 */
public final class SparkTrainer {
    private final JavaSparkContext sc;
    private final Trainer trainer;
    private final ModelFactory factory;
    private final SparkLoss loss;
    private final SparkGradientHook hook;
    private final int averageEvery;
    private final OptimizerFactory optimizers;
    private final int partitions;
    private final int depth;
    private final Cost cost = new Cost();

    private SparkTrainer(Builder b) {
        if (b.factory == null) throw new BackpropException("SparkTrainer: no ModelFactory (builder.model(...)): the executors must build the model");
        this.sc = b.sc;
        if (b.loss != null) b.trainer.loss(b.loss);
        if (b.hook != null) b.trainer.gradientHook(b.hook);
        this.trainer = b.trainer.build();
        this.loss = b.loss != null ? b.loss : SparkLoss.forTask(trainer.task());
        this.factory = b.factory;
        this.hook = b.hook;
        this.averageEvery = b.averageEvery;
        this.optimizers = b.optimizers;
        this.partitions = b.partitions;
        this.depth = b.depth;
    }

    /**
     * A builder over {@code sc} (see {@link Masters#open}) and the Trainer's settings: epochs,
     * batch size, seed, task, early stopping, listeners, checkpoints, resume, schedule. A loss
     * and a gradient hook go to this builder (they must travel to the executors), which gives
     * them to the Trainer too.
     */
    public static Builder builder(JavaSparkContext sc, Trainer.Builder trainer) {
        if (sc == null) throw new BackpropException("SparkTrainer: the Spark context is null");
        if (trainer == null) throw new BackpropException("SparkTrainer: the Trainer builder is null");
        return new Builder(sc, trainer);
    }

    /** Settings of a {@link SparkTrainer}. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final Trainer.Builder trainer;
        private ModelFactory factory;
        private SparkLoss loss;
        private SparkGradientHook hook;
        private int averageEvery;
        private OptimizerFactory optimizers;
        private int partitions;
        private int depth = 2;

        private Builder(JavaSparkContext sc, Trainer.Builder trainer) {
            this.sc = sc;
            this.trainer = trainer;
        }

        /** How the executors build the model (required): the driver's architecture. */
        public Builder model(ModelFactory factory) {
            this.factory = factory;
            return this;
        }

        /** The loss (default: the task's, {@link SparkLoss#forTask}). */
        public Builder loss(SparkLoss loss) {
            this.loss = loss;
            return this;
        }

        /** Runs on each step's gradients before the optimiser step (gradient clipping). */
        public Builder gradientHook(SparkGradientHook hook) {
            this.hook = hook;
            return this;
        }

        /**
         * Parameter averaging every {@code steps} local steps, the executors stepping with
         * optimisers from {@code optimizers} (the driver's kind and settings); default:
         * synchronous steps.
         */
        public Builder averageEvery(int steps, OptimizerFactory optimizers) {
            if (steps < 1) throw new BackpropException("invalid averaging interval: " + steps + " steps (must be at least 1)");
            if (optimizers == null) throw new BackpropException("parameter averaging needs an OptimizerFactory");
            this.averageEvery = steps;
            this.optimizers = optimizers;
            return this;
        }

        /**
         * The number of partitions a local {@link Dataset} is cut into (default: the context's
         * default parallelism, its executors' cores). An RDD keeps its own partitions.
         */
        public Builder partitions(int partitions) {
            if (partitions < 1) throw new BackpropException("invalid number of partitions: " + partitions);
            this.partitions = partitions;
            return this;
        }

        /** The depth of {@code treeAggregate}'s tree (default 2). */
        public Builder treeDepth(int depth) {
            if (depth < 1) throw new BackpropException("invalid tree depth: " + depth);
            this.depth = depth;
            return this;
        }

        public SparkTrainer build() {
            return new SparkTrainer(this);
        }
    }

    /** The Trainer that runs the fit loop. */
    public Trainer trainer() {
        return trainer;
    }

    /** What the cluster's steps cost so far (all fits of this trainer). */
    public Cost cost() {
        return cost;
    }

    /**
     * Trains on a data set the driver holds: cut into {@link Builder#partitions} contiguous
     * shards, each sent once, as a broadcast, to the executors that train on it.
     */
    public History fit(Module model, Optimizer optimizer, Dataset train, Dataset validation) {
        if (train == null || train.size() == 0) throw new BackpropException("the training set is empty");
        checkData(train);
        int p = partitions > 0 ? partitions : sc.defaultParallelism();
        p = Math.min(p, train.size());
        List<Broadcast<Shard>> shards = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            int from = (int) ((long) train.size() * i / p);
            int to = (int) ((long) train.size() * (i + 1) / p);
            shards.add(sc.broadcast(Shard.of(train, from, to)));
        }
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < p; i++) ids.add(i);
        List<Broadcast<Shard>> held = List.copyOf(shards);
        JavaRDD<Shard> rdd = sc.parallelize(ids, p).map(i -> held.get(i).value());
        try {
            return fit(model, optimizer, rdd, train.size(), p, train.numFeatures(), validation);
        } finally {
            for (Broadcast<Shard> b : shards) b.destroy();
        }
    }

    /**
     * Trains on an RDD of examples, in its own partitions (numbered in order by
     * {@code zipWithIndex}: the RDD must give the same examples in the same order each time it
     * is computed, as one read from files does). The examples are gathered once per partition
     * and kept in memory (and on disk when memory runs short).
     */
    public History fit(Module model, Optimizer optimizer, JavaRDD<Example> train, Dataset validation) {
        JavaRDD<Shard> shards = train.zipWithIndex().mapPartitionsWithIndex((p, it) -> List.of(Shard.of(it, p)).iterator(), true)
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<long[]> sizes = wrap(() -> shards.map(s -> new long[] {s.size(), s.dims(), s.labels() != null ? 1 : 0,
                    s.targets() != null ? 1 : 0, s.classes()}).collect());
            long n = 0;
            int dims = -1;
            for (long[] s : sizes) {
                n += s[0];
                if (s[0] == 0) continue;
                if (dims >= 0 && s[1] != dims) throw new BackpropException("the examples have " + dims + " and " + s[1] + " features");
                dims = (int) s[1];
                if (trainer.task() == Task.CLASSIFY && s[2] == 0) {
                    throw new BackpropException("the training set has no class labels; use the regression task for numeric targets");
                }
                if (trainer.task() == Task.REGRESS && s[3] == 0) throw new BackpropException("the training set has no numeric targets");
            }
            if (n == 0) throw new BackpropException("the training set is empty");
            if (n > Integer.MAX_VALUE) throw new BackpropException("the training set has " + n + " examples, more than 2^31");
            return fit(model, optimizer, shards, (int) n, sizes.size(), dims, validation);
        } finally {
            shards.unpersist(false);
        }
    }

    /**
     * Trains on a Spark SQL data set: {@code featuresColumn} an array of numbers, {@code
     * labelColumn} a whole number (classification) or a number (regression).
     */
    public History fit(Module model, Optimizer optimizer, org.apache.spark.sql.Dataset<Row> train, String featuresColumn,
                       String labelColumn, Dataset validation) {
        List<String> columns = Arrays.asList(train.columns());
        for (String c : new String[] {featuresColumn, labelColumn}) {
            if (!columns.contains(c)) throw new BackpropException("the data set has no column '" + c + "'; it has " + columns);
        }
        boolean classify = trainer.task() == Task.CLASSIFY;
        JavaRDD<Example> examples = train.select(featuresColumn, labelColumn).javaRDD().map(row -> {
            List<Object> values = row.getList(0);
            float[] x = new float[values.size()];
            for (int i = 0; i < x.length; i++) x[i] = ((Number) values.get(i)).floatValue();
            Number y = (Number) row.get(1);
            return classify ? Example.labelled(x, y.intValue()) : Example.withTarget(x, y.floatValue());
        });
        return fit(model, optimizer, examples, validation);
    }

    private History fit(Module model, Optimizer optimizer, JavaRDD<Shard> shards, int n, int p, int dims, Dataset validation) {
        Replica.weights(model); // refuses a float64 model before any job
        String run = UUID.randomUUID().toString();
        RunSpec spec = new RunSpec(run, factory, loss, optimizers, hook, trainer.seed(), trainer.batchSize(), n, p,
                trainer.task() == Task.CLASSIFY, trainer.checksNumerics());
        EpochSteps steps = averageEvery > 0 ? new Averaging(spec, shards) : new Synchronous(spec, shards);
        try {
            return trainer.fit(model, optimizer, steps, validation);
        } finally {
            Replica.forget(run);
        }
    }

    private void checkData(Dataset d) {
        if (trainer.task() == Task.CLASSIFY && !d.isClassification()) {
            throw new BackpropException("the training set has no class labels; use the regression task for numeric targets");
        }
        if (trainer.task() == Task.REGRESS && d.targets() == null) throw new BackpropException("the training set has no numeric targets");
    }

    /** The steps of one epoch over the shards: one step per batch of the whole training set. */
    private abstract static class ShardSteps implements EpochSteps {
        final RunSpec spec;
        final JavaRDD<Shard> shards;

        ShardSteps(RunSpec spec, JavaRDD<Shard> shards) {
            this.spec = spec;
            this.shards = shards;
        }

        @Override
        public int batches() {
            return (spec.examples() + spec.batch() - 1) / spec.batch();
        }

        @Override
        public long examples() {
            return spec.examples();
        }
    }

    /** Each batch's gradient summed over the partitions; the driver steps. */
    private final class Synchronous extends ShardSteps {
        Synchronous(RunSpec spec, JavaRDD<Shard> shards) {
            super(spec, shards);
        }

        @Override
        public void run(int epoch, StepContext ctx) {
            Module model = ctx.model();
            List<Parameter> params = model.parameters();
            for (int b = 0; b < batches(); b++) {
                ctx.begin();
                float[] w = Replica.weights(model);
                long t0 = System.nanoTime();
                Broadcast<float[]> weights = sc.broadcast(w);
                Tasks.Gradient task = new Tasks.Gradient(spec, weights, epoch, b, ctx.stepNumber());
                Partial.Node total;
                try {
                    total = wrap(() -> shards.mapPartitionsWithIndex(task, true)
                            .treeAggregate(Partial.empty(spec.partitions()), Partial::merge, Partial::merge, depth).total());
                } finally {
                    weights.destroy();
                }
                cost.add(System.nanoTime() - t0, total.computeNanos(), 4L * w.length, 4L * w.length * spec.partitions(), 1);
                if (total.problem() != null || !Double.isFinite(total.lossSum())) {
                    throw ctx.lossNotFinite(total.lossSum() / total.count(), total.problem());
                }
                int off = 0;
                for (Parameter q : params) {
                    int k = q.numel();
                    q.setGrad(Tensor.of(Arrays.copyOfRange(total.values(), off, off + k), q.shape()));
                    off += k;
                }
                Replica.writeBuffers(model, total.values(), off);
                ctx.step();
                ctx.end(total.count(), total.lossSum(), total.correct());
            }
        }

        @Override
        public String toString() {
            return "SparkTrainer (synchronous steps over " + spec.partitions() + " partitions)";
        }
    }

    /** Local steps on every partition, the replicas averaged every K steps. */
    private final class Averaging extends ShardSteps {
        Averaging(RunSpec spec, JavaRDD<Shard> shards) {
            super(spec, shards);
        }

        @Override
        public Map<String, Object> settings() {
            Map<String, Object> m = new java.util.LinkedHashMap<>(); // in this order in messages
            m.put("average_every", (long) averageEvery);
            m.put("partitions", (long) spec.partitions());
            return m;
        }

        @Override
        public void run(int epoch, StepContext ctx) {
            Module model = ctx.model();
            Optimizer optimizer = ctx.optimizer();
            for (int b = 0; b < batches(); b += averageEvery) {
                int k = Math.min(averageEvery, batches() - b);
                Map<String, Tensor> state = optimizer.state();
                OptState layout = OptState.of(state);
                float[] w = Replica.weights(model);
                float[] o = OptState.vector(state, layout.vectorSize(), 1);
                long t0 = System.nanoTime();
                Broadcast<Tasks.Round.Start> start = sc.broadcast(new Tasks.Round.Start(w, layout, o));
                Tasks.Round task = new Tasks.Round(spec, start, epoch, b, k, ctx.stepNumber() + 1);
                Partial.Node total;
                try {
                    total = wrap(() -> shards.mapPartitionsWithIndex(task, true)
                            .treeAggregate(Partial.empty(spec.partitions()), Partial::merge, Partial::merge, depth).total());
                } finally {
                    start.destroy();
                }
                long bytes = 4L * (w.length + o.length);
                cost.add(System.nanoTime() - t0, total.computeNanos(), bytes, 4L * total.values().length * spec.partitions(), k);
                for (int j = 0; j < k; j++) {
                    ctx.begin();
                    if (total.problem() != null && total.problemBatch() == j) {
                        throw ctx.lossNotFinite(total.batchLoss()[j] / Math.max(1, total.batchCount()[j]), total.problem());
                    }
                    ctx.end(total.batchCount()[j], total.batchLoss()[j], total.batchCorrect()[j]);
                }
                // The average of the replicas becomes the driver's model and optimiser state.
                float[] v = total.values();
                int off = 0;
                try (var g = NoGrad.enter()) {
                    for (Parameter q : model.parameters()) {
                        int n = q.numel();
                        q.copy_(Tensor.of(Arrays.copyOfRange(v, off, off + n), q.shape()));
                        off += n;
                    }
                }
                off = Replica.writeBuffers(model, v, off);
                OptState after = (OptState) total.first();
                optimizer.loadState(after.toMap(v, off, optimizer.learningRate()));
            }
        }

        @Override
        public String toString() {
            return "SparkTrainer (averaging every " + averageEvery + " steps over " + spec.partitions() + " partitions)";
        }
    }

    /**
     * The cost of the cluster's steps: wall time of each job (broadcast, tasks, aggregation), the
     * longest task's compute time in it, and the bytes of the weights broadcast and of the
     * vectors sent back (payload only, before Spark's framing).
     */
    public static final class Cost {
        private long jobs;
        private long steps;
        private long wallNanos;
        private long computeNanos;
        private long bytesOut;
        private long bytesBack;

        synchronized void add(long wall, long compute, long out, long back, int stepsInJob) {
            jobs++;
            steps += stepsInJob;
            wallNanos += wall;
            computeNanos += compute;
            bytesOut += out;
            bytesBack += back;
        }

        public synchronized long jobs() {
            return jobs;
        }

        public synchronized long steps() {
            return steps;
        }

        /** Mean wall time of a job (one step, or one averaging round), in milliseconds. */
        public synchronized double msPerJob() {
            return jobs == 0 ? 0 : wallNanos / 1e6 / jobs;
        }

        /** Mean time of the longest task of a job: the part of {@link #msPerJob()} that is compute. */
        public synchronized double computeMsPerJob() {
            return jobs == 0 ? 0 : computeNanos / 1e6 / jobs;
        }

        /** Bytes broadcast per job (the weights, and the optimiser state when averaging). */
        public synchronized long bytesOutPerJob() {
            return jobs == 0 ? 0 : bytesOut / jobs;
        }

        /** Bytes sent back per job, all partitions together. */
        public synchronized long bytesBackPerJob() {
            return jobs == 0 ? 0 : bytesBack / jobs;
        }

        @Override
        public synchronized String toString() {
            return String.format(Locale.ROOT, "%d steps in %d jobs, %.1f ms per job (longest task %.1f ms), %s broadcast and %s sent back per job",
                    steps, jobs, msPerJob(), computeMsPerJob(), bytes(bytesOutPerJob()), bytes(bytesBackPerJob()));
        }

        static String bytes(long b) {
            return b < 10_000 ? b + " B" : b < 10_000_000 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024.0)
                    : String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        }
    }

    /** Runs a Spark job; a failed one comes back as the backprop4j exception that failed it, or one line. */
    static <T> T wrap(java.util.function.Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) { // Scala throws SparkException, a checked one, unannounced
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BackpropException b) throw b;
            }
            if (e instanceof SparkException || e.getClass().getName().startsWith("org.apache.spark")) {
                String m = String.valueOf(e.getMessage());
                int nl = m.indexOf('\n');
                throw new BackpropException("spark: " + (nl < 0 ? m : m.substring(0, nl)), e);
            }
            if (e instanceof RuntimeException r) throw r;
            throw new BackpropException("spark: " + e, e);
        }
    }
}
