package io.backprop4j.spark;

import io.backprop4j.nn.Parameter;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Metrics;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/** What the executors run: a function of the broadcast state and the partition only, so a rerun computes the same. */
final class Tasks {
    private Tasks() {}

    /**
     * One synchronous step: the gradient of partition p's share of global batch b, with the
     * driver's weights, times the share (its examples over the batch's), and the buffers after
     * the forward pass times the share: summed over the partitions, the batch's gradient and the
     * buffers' batch mean.
     */
    record Gradient(RunSpec spec, Broadcast<float[]> weights, int epoch, int batch, long step)
            implements Function2<Integer, Iterator<Shard>, Iterator<Partial>> {
        @Override
        public Iterator<Partial> call(Integer p, Iterator<Shard> it) {
            Shard s = it.next();
            int[] rows = s.rowsOf(Replica.order(spec.examples(), spec.seed(), epoch), batch, spec.batch());
            if (rows.length == 0) return List.of(Partial.leaf(spec.partitions(), p, Partial.Node.EMPTY)).iterator();
            long t0 = System.nanoTime();
            Replica r = Replica.borrow(spec.run(), spec.model());
            try {
                r.load(weights.value());
                r.random.restart(spec.seed(), epoch, step, p);
                Tensor x = s.features(rows);
                int[] labels = s.labels(rows);
                Tensor out;
                Tensor loss;
                double value;
                try (var mode = r.model.trainScope()) {
                    for (Parameter q : r.params) q.zeroGrad();
                    r.clearOutputs();
                    out = r.model.call(x);
                    loss = spec.loss().compute(out, labels, s.targets(rows));
                    value = loss.item();
                    if (spec.checkNumerics() && !Double.isFinite(value)) {
                        return List.of(Partial.leaf(spec.partitions(), p, new Partial.Node(null, rows.length, value * rows.length, 0,
                                null, null, null, null, problem(p, spec, r.firstNonFinite(x)), 0, System.nanoTime() - t0))).iterator();
                    }
                    loss.backward();
                }
                double share = (double) rows.length / spec.batchSize(batch);
                float[] v = Replica.flatten(r.params, r.size, share, true);
                float[] buffers = Replica.flatten(r.buffers, r.size, share, false);
                int paramValues = 0;
                for (Parameter q : r.params) paramValues += q.numel();
                System.arraycopy(buffers, 0, v, paramValues, r.size - paramValues);
                long correct = spec.classify() ? Metrics.correct(Metrics.argmax(out), labels) : 0;
                return List.of(Partial.leaf(spec.partitions(), p, new Partial.Node(v, rows.length, value * rows.length, correct,
                        null, null, null, null, null, -1, System.nanoTime() - t0))).iterator();
            } finally {
                Replica.giveBack(spec.run(), r);
            }
        }
    }

    /**
     * One round of parameter averaging: from the driver's weights and optimiser state, local
     * steps on partition p's share of global batches {@code first .. first + count - 1}; then the
     * weights, buffers and optimiser state, each times the partition's share of the round's
     * examples: summed over the partitions, their average.
     */
    record Round(RunSpec spec, Broadcast<Start> start, int epoch, int first, int count, long firstStep)
            implements Function2<Integer, Iterator<Shard>, Iterator<Partial>> {
        /** Where a round starts: the driver's weights and buffers, and its optimiser's state. */
        record Start(float[] weights, OptState layout, float[] optimizerVector) implements java.io.Serializable {}

        @Override
        public Iterator<Partial> call(Integer p, Iterator<Shard> it) {
            Shard s = it.next();
            int[] order = Replica.order(spec.examples(), spec.seed(), epoch);
            int[][] rows = new int[count][];
            long mine = 0;
            long all = 0;
            for (int j = 0; j < count; j++) {
                rows[j] = s.rowsOf(order, first + j, spec.batch());
                mine += rows[j].length;
                all += spec.batchSize(first + j);
            }
            if (mine == 0) return List.of(Partial.leaf(spec.partitions(), p, Partial.Node.EMPTY)).iterator();
            long t0 = System.nanoTime();
            long[] batchCount = new long[count];
            double[] batchLoss = new double[count];
            long[] batchCorrect = new long[count];
            Replica r = Replica.borrow(spec.run(), spec.model());
            try {
                Start st = start.value();
                r.load(st.weights());
                Optimizer opt = spec.optimizer().create(r.params);
                opt.loadState(st.layout().toMap(st.optimizerVector(), 0, Double.NaN));
                try (var mode = r.model.trainScope()) {
                    for (int j = 0; j < count; j++) {
                        if (rows[j].length == 0) continue;
                        r.random.restart(spec.seed(), epoch, firstStep + j, p);
                        Tensor x = s.features(rows[j]);
                        int[] labels = s.labels(rows[j]);
                        opt.zeroGrad();
                        r.clearOutputs();
                        Tensor out = r.model.call(x);
                        Tensor loss = spec.loss().compute(out, labels, s.targets(rows[j]));
                        double value = loss.item();
                        batchCount[j] = rows[j].length;
                        batchLoss[j] = value * rows[j].length;
                        if (spec.checkNumerics() && !Double.isFinite(value)) {
                            return List.of(Partial.leaf(spec.partitions(), p, new Partial.Node(null, mine, 0, 0, batchCount, batchLoss,
                                    batchCorrect, null, problem(p, spec, r.firstNonFinite(x)), j, System.nanoTime() - t0))).iterator();
                        }
                        loss.backward();
                        if (spec.checkNumerics()) {
                            String bad = nonFiniteGradient(r);
                            if (bad != null) {
                                return List.of(Partial.leaf(spec.partitions(), p, new Partial.Node(null, mine, 0, 0, batchCount, batchLoss,
                                        batchCorrect, null, " (partition " + p + " of " + spec.partitions() + ": the gradient of " + bad
                                        + " is not finite)", j, System.nanoTime() - t0))).iterator();
                            }
                        }
                        if (spec.hook() != null) spec.hook().apply(r.params);
                        opt.step();
                        if (spec.classify()) batchCorrect[j] = Metrics.correct(Metrics.argmax(out), labels);
                    }
                }
                double share = (double) mine / all;
                Map<String, Tensor> state = opt.state();
                OptState layout = OptState.of(state);
                float[] w = Replica.flatten(r.params, r.size, share, false);
                float[] b = Replica.flatten(r.buffers, r.size, share, false);
                int paramValues = 0;
                for (Parameter q : r.params) paramValues += q.numel();
                float[] o = OptState.vector(state, layout.vectorSize(), share);
                float[] v = new float[r.size + o.length];
                System.arraycopy(w, 0, v, 0, paramValues);
                System.arraycopy(b, 0, v, paramValues, r.size - paramValues);
                System.arraycopy(o, 0, v, r.size, o.length);
                return List.of(Partial.leaf(spec.partitions(), p, new Partial.Node(v, mine, 0, 0, batchCount, batchLoss, batchCorrect,
                        layout, null, -1, System.nanoTime() - t0))).iterator();
            } finally {
                Replica.giveBack(spec.run(), r);
            }
        }

        private static String nonFiniteGradient(Replica r) {
            int i = 0;
            for (var e : r.model.namedParameters().entrySet()) {
                Tensor g = e.getValue().grad();
                if (g != null && !Replica.finite(g)) return e.getKey();
                i++;
            }
            return null;
        }
    }

    private static String problem(int p, RunSpec spec, String where) {
        return " (partition " + p + " of " + spec.partitions() + where + ")";
    }
}
