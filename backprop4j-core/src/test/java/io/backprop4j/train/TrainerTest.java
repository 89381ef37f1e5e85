package io.backprop4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.NumericException;
import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Standardizer;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.CosineAnnealingLR;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    static DataSplits digits;
    static Standardizer standardizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        DataSplits raw = Datasets.load("digits");
        standardizer = Standardizer.fit(raw.train());
        digits = raw.standardized(standardizer);
    }

    static ModelSpec spec(double dropout) {
        return new ModelSpec(64, new int[] {32}, 10, "relu", dropout, false, Task.CLASSIFY, null, null, standardizer, "digits");
    }

    @Test
    void learnsDigitsAndEvaluates() {
        EpochRandom rng = new EpochRandom(1);
        Sequential model = spec(0).build(rng);
        Optimizer opt = Optimizers.create("adam", model.parameters(), 3e-3);
        List<String> events = new ArrayList<>();
        History h = Trainer.builder().epochs(8).batchSize(32).seed(1).epochRandom(rng)
                .listener(new TrainingListener() {
                    @Override
                    public void onTrainBegin(int first, int epochs, int batches, long samples) {
                        events.add("begin " + first + " " + epochs + " " + batches + " " + samples);
                    }

                    @Override
                    public void onEpochEnd(EpochStats s, History history) {
                        events.add("epoch " + s.epoch());
                    }
                })
                .build().fit(model, opt, digits.train(), digits.validation());
        assertEquals(8, h.size());
        assertEquals("begin 1 8 " + (digits.train().size() + 31) / 32 + " " + digits.train().size(), events.getFirst());
        assertEquals("epoch 8", events.getLast());
        EpochStats last = h.last();
        assertTrue(last.trainLoss() < h.epochs().getFirst().trainLoss());
        assertTrue(last.validationAccuracy() > 0.9, "validation accuracy " + last.validationAccuracy());
        Evaluation test = Evaluation.of(model, digits.test());
        assertTrue(test.accuracy() > 0.9, "test accuracy " + test.accuracy());
        assertEquals(digits.test().size(), test.predicted().length);
        assertTrue(model.isTraining(), "the trainer restores the mode it found");
    }

    @Test
    void sameSeedSameWeightsBitForBit() {
        assertEquals(Map.of(), differences(trainDropout(5, null, null), trainDropout(5, null, null)));
    }

    @Test
    void resumingFromACheckpointGivesTheUninterruptedWeights() throws Exception {
        // Uninterrupted: 5 epochs, checkpoint after each; keep a copy of epoch 2's.
        Path saved = dir.resolve("after-epoch-2.safetensors");
        Path ckdir = dir.resolve("run");
        Map<String, Tensor> full = trainDropout(5, ckdir, new TrainingListener() {
            @Override
            public void onEpochEnd(EpochStats s, History h) {
                if (s.epoch() == 2) {
                    try {
                        Files.copy(Checkpoint.fileIn(ckdir), saved, StandardCopyOption.REPLACE_EXISTING);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        });
        Checkpoint cp = Checkpoint.load(saved);
        assertEquals(2, cp.epoch());
        assertEquals(2, cp.history().size());
        // Resumed: a fresh model (other initial weights), restored from the checkpoint.
        EpochRandom rng = new EpochRandom(7);
        Sequential model = spec(0.2).build(rng);
        Optimizer opt = Optimizers.create("adam", model.parameters(), 2e-3);
        var schedule = new CosineAnnealingLR(opt, 5, 0);
        History h = Trainer.builder().epochs(5).seed(7).epochRandom(rng).schedule(schedule).resumeFrom(cp).build()
                .fit(model, opt, digits.train(), digits.validation());
        assertEquals(5, h.size());
        assertEquals(Map.of(), differences(full, ModelTensors.named(model)));
    }

    private Map<String, Tensor> trainDropout(int epochs, Path checkpoints, TrainingListener listener) {
        EpochRandom rng = new EpochRandom(7);
        Sequential model = spec(0.2).build(rng);
        Optimizer opt = Optimizers.create("adam", model.parameters(), 2e-3);
        var b = Trainer.builder().epochs(epochs).seed(7).epochRandom(rng).schedule(new CosineAnnealingLR(opt, epochs, 0));
        if (checkpoints != null) b.checkpointDir(checkpoints);
        if (listener != null) b.listener(listener);
        b.build().fit(model, opt, digits.train(), digits.validation());
        return ModelTensors.named(model);
    }

    /** Names of tensors whose bits differ. */
    static Map<String, String> differences(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        Map<String, String> diff = new java.util.TreeMap<>();
        for (String k : a.keySet()) {
            if (!java.util.Arrays.equals(a.get(k).toFloatArray(), b.get(k).toFloatArray())) diff.put(k, "differs");
        }
        return diff;
    }

    @Test
    void divergenceStopsAtOnceNamingEpochStepAndLayer() {
        Sequential model = spec(0).build(new EpochRandom(3));
        Optimizer opt = new SGD(model.parameters(), 1e30);
        NumericException e = assertThrows(NumericException.class, () -> Trainer.builder().epochs(3).checkpointDir(dir)
                .build().fit(model, opt, digits.train(), digits.validation()));
        String m = e.getMessage();
        assertTrue(m.contains("training diverged at epoch 1, step "), m);
        assertTrue(m.contains("lower learning rate"), m);
        assertTrue(m.matches("(?s).*(loss is|gradient of \\d\\.\\w+ \\(layer \\d).*"), m);
        assertTrue(!Files.exists(Checkpoint.fileIn(dir)), "no checkpoint of a diverged epoch");
    }

    /**
     * A diverging step with batch norm and dropout: the error names the first layer whose output
     * was not finite in that very pass, and leaves parameters and running statistics as they were
     * after the last finite step (the forward pass of the bad step had already moved the
     * statistics; naming the layer must not run the model again).
     */
    @Test
    void divergenceLeavesTheModelAsAfterTheLastFiniteStep() {
        EpochRandom rng = new EpochRandom(4);
        var spec = new ModelSpec(64, new int[] {32, 16}, 10, "relu", 0.2, true, Task.CLASSIFY, null, null, standardizer, "digits");
        Sequential model = spec.build(rng);
        Optimizer opt = new SGD(model.parameters(), 1e4);
        Map<String, Tensor> afterLastStep = new java.util.LinkedHashMap<>();
        int[] steps = new int[1];
        TrainingListener snapshot = new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batches, long seen, double meanLoss) {
                steps[0]++;
                ModelTensors.named(model).forEach((k, v) -> afterLastStep.put(k, Tensor.zerosLike(v).copy_(v)));
            }
        };
        NumericException e = assertThrows(NumericException.class, () -> Trainer.builder().epochs(3).seed(4).epochRandom(rng)
                .listener(snapshot).build().fit(model, opt, digits.train(), digits.validation()));
        assertTrue(steps[0] >= 1, "at least one finite step before diverging: " + e.getMessage());
        assertTrue(model.namedBuffers().containsKey("1.running_mean"), model.namedBuffers().keySet().toString());
        assertEquals(Map.of(), differences(afterLastStep, ModelTensors.named(model)), e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*(the first non-finite output is layer \\d+'s \\(\\w+\\(|gradient of \\d\\.\\w+ \\(layer \\d).*"),
                e.getMessage());
    }

    /** The layer named is the one whose output first went non-finite in the pass that diverged. */
    @Test
    void divergenceNamesTheLayerFromTheRealPass() {
        EpochRandom rng = new EpochRandom(5);
        Sequential model = spec(0).build(rng);
        // Layer 2's weights become NaN before the first step: layer 0's and 1's outputs stay finite.
        try (var g = io.backprop4j.tensor.NoGrad.enter()) {
            model.namedParameters().get("2.weight").fill_(Double.NaN);
        }
        NumericException e = assertThrows(NumericException.class, () -> Trainer.builder().epochs(1).seed(5)
                .build().fit(model, new SGD(model.parameters(), 0.1), digits.train(), null));
        assertTrue(e.getMessage().contains("the loss is NaN; the first non-finite output is layer 2's (Linear(in=32, out=10, bias=true))"),
                e.getMessage());
    }

    @Test
    void theLossIsPassedIn() {
        List<String> calls = new ArrayList<>();
        TrainingLoss doubled = (out, labels, targets) -> {
            calls.add(labels == null ? "no labels" : "labels " + labels.length);
            return io.backprop4j.loss.Losses.crossEntropy(out, labels).mul(2);
        };
        EpochRandom rng = new EpochRandom(6);
        Sequential model = spec(0).build(rng);
        History h = Trainer.builder().epochs(1).batchSize(64).seed(6).loss(doubled).build()
                .fit(model, new SGD(model.parameters(), 0.05), digits.train(), digits.validation());
        int batches = (digits.train().size() + 63) / 64;
        assertEquals("labels 64", calls.getFirst());
        assertTrue(calls.size() > batches, "the validation loss is the passed loss too: " + calls.size());
        Evaluation plain = Evaluation.of(model, digits.validation());
        assertEquals(2 * plain.loss(), h.last().validationLoss(), 1e-6 * plain.loss());
        assertThrows(io.backprop4j.BackpropException.class, () -> Trainer.builder().loss(null));
    }

    @Test
    void earlyStoppingStopsWhenValidationLossStallsAndDataMustFitTheTask() {
        Sequential model = spec(0).build(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 0.05);
        int[] stoppedAt = {0};
        History h = Trainer.builder().epochs(200).earlyStopping(2).listener(new TrainingListener() {
            @Override
            public void onEarlyStop(int epoch, int best, int patience) {
                stoppedAt[0] = epoch;
            }
        }).build().fit(model, opt, digits.train(), digits.validation());
        assertTrue(h.size() < 200, "stopped early");
        assertEquals(h.size(), stoppedAt[0]);
        assertEquals(2, h.epochsSinceBest());
        assertThrows(io.backprop4j.BackpropException.class, () -> Trainer.builder().task(Task.REGRESS).build()
                .fit(model, opt, digits.train(), null));
        assertThrows(io.backprop4j.BackpropException.class, () -> Trainer.builder().epochs(0));
    }

    /** A copy of the model's parameters and buffers, by name. */
    static Map<String, Tensor> snapshot(Sequential model) {
        Map<String, Tensor> copy = new java.util.LinkedHashMap<>();
        ModelTensors.named(model).forEach((k, v) -> copy.put(k, Tensor.zerosLike(v).copy_(v)));
        return copy;
    }

    /** Records the model's tensors after every epoch (index = epoch) and the restored epoch. */
    static final class Recorder implements TrainingListener {
        final Sequential model;
        final List<Map<String, Tensor>> afterEpoch = new ArrayList<>(List.of(Map.of()));
        EpochStats restored;

        Recorder(Sequential model) {
            this.model = model;
        }

        @Override
        public void onEpochEnd(EpochStats s, History h) {
            assertEquals(afterEpoch.size(), s.epoch());
            afterEpoch.add(snapshot(model));
        }

        @Override
        public void onBestRestored(EpochStats best) {
            restored = best;
        }
    }

    static final ModelSpec BATCH_NORM = new ModelSpec(64, new int[] {32}, 10, "relu", 0, true, Task.CLASSIFY, null, null,
            null, "digits");

    @Test
    void earlyStoppingRestoresTheParametersAndBuffersOfTheBestEpochBitForBit() {
        Sequential model = BATCH_NORM.build(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 0.05);
        Recorder rec = new Recorder(model);
        History h = Trainer.builder().epochs(100).earlyStopping(3).seed(3).listener(rec).build()
                .fit(model, opt, digits.train(), digits.validation());
        int best = h.bestEpoch();
        int last = h.last().epoch();
        assertTrue(last < 100, "stopped early");
        assertEquals(best + 3, last);
        assertEquals(h.epochs().get(best - 1), rec.restored);
        Map<String, Tensor> now = ModelTensors.named(model);
        assertTrue(now.keySet().containsAll(List.of("1.running_mean", "1.running_var")), now.keySet().toString());
        assertEquals(Map.of(), differences(rec.afterEpoch.get(best), now));
        assertTrue(!differences(rec.afterEpoch.get(last), now).isEmpty(), "the last epoch's weights are not kept");
        // The restored model scores exactly what the best epoch scored on validation.
        assertEquals(h.epochs().get(best - 1).validationLoss(), Evaluation.of(model, digits.validation()).loss());
        assertEquals(h.epochs().get(best - 1).validationAccuracy(), Evaluation.of(model, digits.validation()).accuracy());
    }

    @Test
    void earlyStoppingWithoutRestoringKeepsTheLastEpoch() {
        Sequential model = BATCH_NORM.build(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 0.05);
        Recorder rec = new Recorder(model);
        History h = Trainer.builder().epochs(100).earlyStopping(3, false).seed(3).listener(rec).build()
                .fit(model, opt, digits.train(), digits.validation());
        assertTrue(h.size() < 100, "stopped early");
        assertEquals(null, rec.restored);
        assertEquals(Map.of(), differences(rec.afterEpoch.get(h.size()), ModelTensors.named(model)));
    }

    @Test
    void aRunResumedAfterTheBestEpochRestoresTheSameWeights() throws Exception {
        Path ckdir = dir.resolve("best-run");
        Sequential model = BATCH_NORM.build(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 0.05);
        Recorder rec = new Recorder(model);
        History h = Trainer.builder().epochs(100).earlyStopping(3).seed(3).checkpointDir(ckdir).listener(rec)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochStats s, History all) {
                        try {
                            Files.copy(Checkpoint.fileIn(ckdir), ckdir.resolve("epoch-" + s.epoch()));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                })
                .build().fit(model, opt, digits.train(), digits.validation());
        int best = h.bestEpoch();
        // The checkpoint of the epoch after the best holds the best epoch's tensors besides its own.
        Checkpoint cp = Checkpoint.load(ckdir.resolve("epoch-" + (best + 1)));
        assertEquals(best, cp.bestEpoch());
        assertEquals(Map.of(), differences(rec.afterEpoch.get(best), cp.bestModelTensors()));
        assertEquals(0, Checkpoint.load(ckdir.resolve("epoch-" + best)).bestEpoch(), "no second copy of the model's own");

        Sequential resumed = BATCH_NORM.build(new EpochRandom(99));
        Optimizer opt2 = Optimizers.create("adam", resumed.parameters(), 0.05);
        EpochStats[] restored = {null};
        History h2 = Trainer.builder().epochs(100).earlyStopping(3).seed(3).resumeFrom(cp)
                .listener(new TrainingListener() {
                    @Override
                    public void onBestRestored(EpochStats s) {
                        restored[0] = s;
                    }
                })
                .build().fit(resumed, opt2, digits.train(), digits.validation());
        assertEquals(h.epochs().stream().map(EpochStats::validationLoss).toList(),
                h2.epochs().stream().map(EpochStats::validationLoss).toList());
        assertTrue(restored[0] != null, "the resumed run restored the best epoch");
        assertEquals(best, restored[0].epoch());
        assertEquals(Map.of(), differences(ModelTensors.named(model), ModelTensors.named(resumed)));
    }

    @Test
    void aGradientClippingHookBoundsEveryUpdate() {
        // Full-batch SGD: each step moves the weights by lr times the clipped gradient, whose norm is
        // exactly the limit while the gradient's own norm exceeds it.
        Sequential model = spec(0).build(new EpochRandom(5));
        double lr = 1.0;
        double maxNorm = 0.05;
        Optimizer opt = new SGD(model.parameters(), lr);
        List<Double> normsBefore = new ArrayList<>();
        Recorder rec = new Recorder(model);
        rec.afterEpoch.set(0, snapshot(model));
        Trainer.builder().epochs(4).batchSize(digits.train().size()).listener(rec)
                .gradientHook(p -> normsBefore.add(io.backprop4j.optim.GradClip.clipByNorm(p, maxNorm)))
                .build().fit(model, opt, digits.train(), digits.validation());
        assertEquals(4, normsBefore.size(), "one step per epoch");
        for (int e = 1; e <= 4; e++) {
            assertTrue(normsBefore.get(e - 1) > 2 * maxNorm, "gradient norm " + normsBefore.get(e - 1));
            double moved = distance(rec.afterEpoch.get(e - 1), rec.afterEpoch.get(e));
            assertEquals(lr * maxNorm, moved, 1e-3 * lr * maxNorm, "epoch " + e);
        }
    }

    /** The L2 distance between two sets of tensors with the same names. */
    static double distance(Map<String, Tensor> a, Map<String, Tensor> b) {
        double sum = 0;
        for (String k : a.keySet()) {
            double[] x = a.get(k).toDoubleArray(), y = b.get(k).toDoubleArray();
            for (int i = 0; i < x.length; i++) sum += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return Math.sqrt(sum);
    }

    /** The example of docs/training-readme-section.md, verbatim but for the epochs and the file. */
    @Test
    void trainSaveLoadPredictsTheSame() {
        DataSplits data = Datasets.load("digits");
        Standardizer s = Standardizer.fit(data.train());
        data = data.standardized(s);
        var spec = new ModelSpec(64, new int[] {128}, 10, "relu", 0.0, false, Task.CLASSIFY,
                data.train().classNames(), data.train().featureNames(), s, "digits");
        var rng = new EpochRandom(42);                          // weights, then dropout masks
        Sequential model = spec.build(rng);
        Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-3);
        History h = Trainer.builder().epochs(3).batchSize(32).seed(42).epochRandom(rng)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochStats e, History all) {
                        System.out.println(e.summary(3));
                    }
                })
                .build().fit(model, opt, data.train(), data.validation());
        Evaluation test = Evaluation.of(model, data.test());
        System.out.printf("test accuracy: %.4f%n", test.accuracy());
        ModelFile.save(dir.resolve("digits.safetensors"), model, spec);
        ModelFile back = ModelFile.load(dir.resolve("digits.safetensors"));
        assertEquals(3, h.size());
        assertTrue(test.accuracy() > 0.8);
        assertArrayEquals(test.predicted(), back.predictClasses(Datasets.load("digits").test().features()));
    }

    @Test
    void historyRoundTripsThroughJson() {
        History h = new History();
        h.add(new EpochStats(1, 0.5, 0.8, 0.6, 0.7, 1e-3, 1.5, 100));
        h.add(new EpochStats(2, 0.25, Double.NaN, Double.NaN, Double.NaN, 1e-3, 1.25, 100));
        History back = History.fromJson(h.toJson(), "test");
        assertEquals(h.epochs(), back.epochs());
        assertArrayEquals(new int[] {1}, new int[] {back.bestEpoch()});
    }

    /**
     * Issue 18, item 2: the checkpoint written at the epoch where training stops early did not say
     * so, and a run resumed from it (after a kill -9, or a plain second --resume) trained on.
     */
    @Test
    void aRunResumedFromTheEpochWhereItStoppedStopsThereWithTheSameWeights() throws Exception {
        Path ckdir = dir.resolve("stopped-run");
        Sequential model = BATCH_NORM.build(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 0.05);
        History h = Trainer.builder().epochs(100).earlyStopping(2).seed(3).checkpointDir(ckdir)
                .build().fit(model, opt, digits.train(), digits.validation());
        assertTrue(h.size() < 100, "stopped early");
        Checkpoint cp = Checkpoint.load(Checkpoint.fileIn(ckdir));
        assertEquals(h.size(), cp.epoch());
        assertEquals(new Checkpoint.EarlyStopping(h.bestEpoch(), 2, true), cp.earlyStopping());

        Sequential resumed = BATCH_NORM.build(new EpochRandom(99));
        Optimizer opt2 = Optimizers.create("adam", resumed.parameters(), 0.05);
        List<String> heard = new ArrayList<>();
        History h2 = Trainer.builder().epochs(100).earlyStopping(2).seed(3).checkpointDir(ckdir).resumeFrom(cp)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochBegin(int epoch) {
                        heard.add("epoch " + epoch);
                    }

                    @Override
                    public void onEarlyStop(int epoch, int best, int patience) {
                        heard.add("stop " + epoch + " " + best);
                    }

                    @Override
                    public void onBestRestored(EpochStats best) {
                        heard.add("restored " + best.epoch());
                    }
                })
                .build().fit(resumed, opt2, digits.train(), digits.validation());
        assertEquals(List.of("stop " + h.size() + " " + h.bestEpoch(), "restored " + h.bestEpoch()), heard, "no epoch trained");
        assertEquals(h.size(), h2.size());
        assertEquals(Map.of(), differences(ModelTensors.named(model), ModelTensors.named(resumed)));
    }

    @Test
    void aCheckpointOfATrainerWithOtherSettingsIsRefused() {
        Path ckdir = dir.resolve("settings");
        Sequential model = spec(0).build(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 0.01);
        Trainer.builder().epochs(1).earlyStopping(3).seed(3).checkpointDir(ckdir).build()
                .fit(model, opt, digits.train(), digits.validation());
        Checkpoint cp = Checkpoint.load(Checkpoint.fileIn(ckdir));
        assertEquals(Map.of("batch_size", 32L, "seed", 3L, "task", "classify", "patience", 3L, "restore_best", true),
                cp.trainerSettings());
        for (Trainer.Builder other : List.of(Trainer.builder().earlyStopping(4).seed(3), Trainer.builder().earlyStopping(3).seed(4),
                Trainer.builder().earlyStopping(3).seed(3).batchSize(16), Trainer.builder().earlyStopping(3, false).seed(3))) {
            Sequential m2 = spec(0).build(new EpochRandom(3));
            io.backprop4j.BackpropException e = assertThrows(io.backprop4j.BackpropException.class, () -> other.epochs(2).resumeFrom(cp)
                    .build().fit(m2, Optimizers.create("adam", m2.parameters(), 0.01), digits.train(), digits.validation()));
            assertTrue(e.getMessage().startsWith("cannot resume from " + cp.source() + ": it was written with "), e.getMessage());
        }
    }
}
