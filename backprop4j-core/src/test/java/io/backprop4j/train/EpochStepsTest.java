package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.NumericException;
import io.backprop4j.data.DataLoader;
import io.backprop4j.data.Dataset;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Parameter;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seam a cluster runner uses ({@link EpochSteps}, {@link StepContext}): a runner that
 * computes each batch's gradient by hand, in two halves as two machines would, trains what the
 * Trainer's own loop trains; the Trainer keeps the checks, the bookkeeping and the settings.
 */
class EpochStepsTest {
    @TempDir
    Path dir;

    static Dataset train() {
        return TrainerTest.digits == null ? load() : TrainerTest.digits.train();
    }

    private static Dataset load() {
        TrainerTest.load();
        return TrainerTest.digits.train();
    }

    /**
     * Each batch of the Trainer's order, its gradient computed as the size-weighted sum of the
     * gradients of its two halves (what two partitions on a cluster send back), in float64.
     */
    static class HalvesRunner implements EpochSteps {
        final Dataset data;
        final int batch;
        final long seed;
        int skip = -1;
        Map<String, Object> settings = Map.of();

        HalvesRunner(Dataset data, int batch, long seed) {
            this.data = data;
            this.batch = batch;
            this.seed = seed;
        }

        @Override
        public int batches() {
            return (data.size() + batch - 1) / batch;
        }

        @Override
        public long examples() {
            return data.size();
        }

        @Override
        public Map<String, Object> settings() {
            return settings;
        }

        @Override
        public void run(int epoch, StepContext ctx) {
            int[] order = DataLoader.shuffledOrder(data.size(), seed, epoch - 1);
            Module model = ctx.model();
            List<Parameter> params = model.parameters();
            for (int b = 0; b < batches(); b++) {
                if (b == skip) continue;
                ctx.begin();
                int from = b * batch;
                int to = Math.min(order.length, from + batch);
                int mid = (from + to) / 2;
                double[][] sum = new double[params.size()][];
                double lossSum = 0;
                long right = 0;
                for (int[] range : new int[][] {{from, mid}, {mid, to}}) {
                    int n = range[1] - range[0];
                    if (n == 0) continue;
                    int[] idx = java.util.Arrays.copyOfRange(order, range[0], range[1]);
                    Dataset part = data.subset(idx);
                    for (Parameter p : params) p.zeroGrad();
                    Tensor out = model.call(part.features());
                    Tensor loss = TrainingLoss.crossEntropy().compute(out, part.labels(), null);
                    lossSum += loss.item() * n;
                    right += Metrics.correct(Metrics.argmax(out), part.labels());
                    loss.backward();
                    for (int i = 0; i < params.size(); i++) {
                        float[] g = params.get(i).grad().toFloatArray();
                        if (sum[i] == null) sum[i] = new double[g.length];
                        for (int j = 0; j < g.length; j++) sum[i][j] += g[j] * ((double) n / (to - from));
                    }
                }
                for (int i = 0; i < params.size(); i++) {
                    float[] g = new float[sum[i].length];
                    for (int j = 0; j < g.length; j++) g[j] = (float) sum[i][j];
                    params.get(i).setGrad(Tensor.of(g, params.get(i).shape()));
                }
                ctx.step();
                ctx.end(to - from, lossSum, right);
            }
        }
    }

    @Test
    void shuffledOrderIsTheLoadersOrder() {
        Dataset d = train();
        DataLoader loader = new DataLoader(d, 32).shuffled(7);
        for (int epoch : new int[] {0, 1, 5}) assertArrayEquals(loader.order(epoch), DataLoader.shuffledOrder(d.size(), 7, epoch));
        assertThrows(BackpropException.class, () -> DataLoader.shuffledOrder(-1, 7, 0));
    }

    @Test
    void aRunnerOfHalvesTrainsWhatTheTrainersLoopTrains() {
        Dataset d = train();
        Sequential a = TrainerTest.spec(0).build(new EpochRandom(5));
        Sequential b = TrainerTest.spec(0).build(new EpochRandom(5));
        List<String> heard = new ArrayList<>();
        TrainingListener ear = new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batches, long seen, double loss) {
                if (batch == batches) heard.add(epoch + ":" + seen);
            }
        };
        History ha = Trainer.builder().epochs(3).seed(5).listener(ear).build()
                .fit(a, Optimizers.create("adam", a.parameters(), 1e-3), d, null);
        History hb = Trainer.builder().epochs(3).seed(5).listener(ear).build()
                .fit(b, Optimizers.create("adam", b.parameters(), 1e-3), new HalvesRunner(d, 32, 5), null);
        assertEquals(List.of("1:" + d.size(), "2:" + d.size(), "3:" + d.size(), "1:" + d.size(), "2:" + d.size(), "3:" + d.size()), heard);
        double worst = 0;
        for (var e : a.namedParameters().entrySet()) {
            float[] x = e.getValue().toFloatArray();
            float[] y = b.namedParameters().get(e.getKey()).toFloatArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        // Only the order of the float sums differs.
        assertTrue(worst < 1e-5, "largest weight difference " + worst);
        for (int e = 0; e < 3; e++) {
            assertEquals(ha.epochs().get(e).trainLoss(), hb.epochs().get(e).trainLoss(), 1e-5);
            assertEquals(ha.epochs().get(e).trainAccuracy(), hb.epochs().get(e).trainAccuracy(), 2.0 / d.size());
        }
    }

    @Test
    void aRunnerThatSkipsABatchIsRefused() {
        Dataset d = train();
        Sequential m = TrainerTest.spec(0).build(new EpochRandom(5));
        HalvesRunner r = new HalvesRunner(d, 32, 5);
        r.skip = 3;
        BackpropException e = assertThrows(BackpropException.class, () -> Trainer.builder().epochs(1).seed(5).build()
                .fit(m, Optimizers.create("adam", m.parameters(), 1e-3), r, null));
        assertTrue(e.getMessage().contains("ran 39 of 40 batches of epoch 1"), e.getMessage());
    }

    @Test
    void aNonFiniteGradientIsCaughtByTheTrainerAndTheLossByTheRunner() {
        Dataset d = train();
        Sequential m = TrainerTest.spec(0).build(new EpochRandom(5));
        Optimizer opt = Optimizers.create("sgd", m.parameters(), 0.1);
        EpochSteps nanGradient = new HalvesRunner(d, 32, 5) {
            @Override
            public void run(int epoch, StepContext ctx) {
                ctx.begin();
                for (Parameter p : ctx.model().parameters()) {
                    float[] g = new float[p.numel()];
                    g[0] = Float.NaN;
                    p.setGrad(Tensor.of(g, p.shape()));
                }
                ctx.step();
            }
        };
        float[] before = m.parameters().getFirst().toFloatArray();
        NumericException e = assertThrows(NumericException.class, () -> Trainer.builder().epochs(1).build().fit(m, opt, nanGradient, null));
        assertTrue(e.getMessage().startsWith("training diverged at epoch 1, step 1 (batch 1 of 40): the gradient of 0.weight"), e.getMessage());
        assertArrayEquals(before, m.parameters().getFirst().toFloatArray(), "no step taken");
        EpochSteps nanLoss = new HalvesRunner(d, 32, 5) {
            @Override
            public void run(int epoch, StepContext ctx) {
                ctx.begin();
                throw ctx.lossNotFinite(Double.NaN, " (in partition 1)");
            }
        };
        NumericException l = assertThrows(NumericException.class, () -> Trainer.builder().epochs(1).build().fit(m, opt, nanLoss, null));
        assertEquals("training diverged at epoch 1, step 1 (batch 1 of 40): the loss is NaN (in partition 1); try a lower learning rate (now 0.1)",
                l.getMessage());
    }

    @Test
    void aRunnersSettingsAreRecordedAndCheckedBothWays() {
        Dataset d = train();
        Path ck = dir.resolve("ck");
        Sequential m = TrainerTest.spec(0).build(new EpochRandom(5));
        HalvesRunner averaging = new HalvesRunner(d, 32, 5);
        averaging.settings = Map.of("average_every", 4L);
        Trainer.builder().epochs(1).seed(5).checkpointDir(ck).build()
                .fit(m, Optimizers.create("adam", m.parameters(), 1e-3), averaging, null);
        Checkpoint cp = Checkpoint.load(Checkpoint.fileIn(ck));
        assertEquals(4L, cp.trainerSettings().get("average_every"));

        Sequential m2 = TrainerTest.spec(0).build(new EpochRandom(5));
        Optimizer o2 = Optimizers.create("adam", m2.parameters(), 1e-3);
        // Resumed by the Trainer's own loop, which does not average: refused.
        BackpropException e = assertThrows(BackpropException.class, () -> Trainer.builder().epochs(2).seed(5).resumeFrom(cp).build()
                .fit(m2, o2, d, null));
        assertTrue(e.getMessage().endsWith("it was written with average every 4, this trainer has none"), e.getMessage());
        HalvesRunner other = new HalvesRunner(d, 32, 5);
        other.settings = Map.of("average_every", 8L);
        e = assertThrows(BackpropException.class, () -> Trainer.builder().epochs(2).seed(5).resumeFrom(cp).build().fit(m2, o2, other, null));
        assertTrue(e.getMessage().endsWith("it was written with average every 4, this trainer has 8"), e.getMessage());
        // The same settings resume.
        History h = Trainer.builder().epochs(2).seed(5).resumeFrom(cp).build().fit(m2, o2, averaging, null);
        assertEquals(2, h.size());

        HalvesRunner clash = new HalvesRunner(d, 32, 5);
        clash.settings = Map.of("seed", 1L);
        e = assertThrows(BackpropException.class, () -> Trainer.builder().epochs(1).build().fit(m2, o2, clash, null));
        assertTrue(e.getMessage().endsWith("setting seed is one of the Trainer's own"), e.getMessage());
    }

    @Test
    void theContextRefusesBatchesOutOfTurn() {
        Dataset d = train();
        Sequential m = TrainerTest.spec(0).build(new EpochRandom(5));
        Optimizer opt = Optimizers.create("sgd", m.parameters(), 0.1);
        for (String misuse : List.of("step first", "end first", "begin twice")) {
            EpochSteps r = new HalvesRunner(d, 32, 5) {
                @Override
                public void run(int epoch, StepContext ctx) {
                    switch (misuse) {
                        case "step first" -> ctx.step();
                        case "end first" -> ctx.end(1, 0, 0);
                        default -> {
                            ctx.begin();
                            ctx.begin();
                        }
                    }
                }
            };
            BackpropException e = assertThrows(BackpropException.class, () -> Trainer.builder().epochs(1).build().fit(m, opt, r, null));
            assertTrue(e.getMessage().startsWith("StepContext."), misuse + ": " + e.getMessage());
        }
    }
}
