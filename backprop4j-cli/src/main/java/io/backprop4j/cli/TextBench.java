package io.backprop4j.cli;

import io.backprop4j.data.CharWindows;
import io.backprop4j.data.TextData;
import io.backprop4j.io.Safetensors;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.AdamW;
import io.backprop4j.optim.LrSchedule;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Architecture;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.EpochStats;
import io.backprop4j.train.History;
import io.backprop4j.train.Task;
import io.backprop4j.train.Trainer;
import io.backprop4j.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The {@code words-M} workloads of {@code bench} (M one of {@link TextTraining#MODELS}): the model
 * of {@code train --data words --model M} (its recipe's sizes, context and batch), trained on the
 * same batches as tools/bench/words_reference.py, which PyTorch trains from the same initial
 * weights. Two ways:
 * <ul>
 *   <li>{@link #run}: {@code steps} steps of AdamW at the recipe's learning rate, constant, weight
 *       decay 0.01. This side writes into {@code dir}: {@code NAME-init.safetensors} (our state
 *       dict; Linear weights [in, out]) and {@code NAME-data.safetensors} (int64 train_x, train_y:
 *       [steps·batch, context] and every position's target, −100 over padding, for a model of
 *       every position, else [steps·batch]; test_x [n, context], test_y [n], a seeded sample of
 *       {@code testWindows} test windows, 8,192 by default).</li>
 *   <li>{@link #runRecipe}: the whole recipe, exactly as {@code train} runs it with its defaults
 *       (seed 0): the same initial weights, the same {@link TextTraining.WindowSteps} batches, the
 *       recipe's optimiser, learning rate and schedule (stepped after each epoch), the validation
 *       sample scored after each epoch and the test loss over the whole test split.</li>
 * </ul>
 *
 * <p>Prints "NAME ms per step: X" (with {@link #run}, the median over the second half of the
 * steps, {@link #timedFrom}: the steady state of a long training run; with a recipe, the mean, as
 * {@code train} prints it), with {@link #run} also "NAME ms per step, whole run: X" (the mean
 * over every step, the first included: what a run as short as this one costs, JIT warm-up and
 * all), and "NAME test loss: X" (nats per character after the last step); with a recipe also
 * "NAME epoch E validation loss: X".
 */
final class TextBench {
    /** Steps not timed at the least (the JIT's, and PyTorch's allocator's, first passes). */
    static final int WARM_UP = 5;

    /**
     * The first step of the timed second half: steps / 2, at least {@link #WARM_UP}. The JIT
     * keeps compiling for the first hundred or more steps of a model (on 2 cores its compiler
     * threads take turns with the training), so that a median over the first steps measured a
     * mix of warm-up and steady state: words-lstm 6.2 ms a step over steps 6-100 against 3.6 ms
     * over 300-600 (Zen 5). tools/bench/words_reference.py times PyTorch's steps the same way.
     */
    static int timedFrom(int steps) {
        return Math.min(Math.max(WARM_UP, steps / 2), steps - 1);
    }

    private TextBench() {}

    static void run(String name, int steps, int testWindows, Path dir, PrintWriter out) {
        String model = name.substring("words-".length());
        TextTraining.Recipe r = TextTraining.Recipe.of(model);
        TextData words = TextData.words();
        TextData.Splits s = words.split(TextTraining.SPLIT_SEED, r.context());
        int v = s.vocabulary().size();
        Architecture arch = Architecture.read(new int[] {r.context()}, TextTraining.layers(model, r, v));
        boolean sequence = arch.outputShape().length == 3;
        Sequential net = arch.build(new SplittableRandom(0));
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Safetensors.write(dir.resolve(name + "-init.safetensors"), net.stateDict(), Map.of());
        TextTraining.WindowSteps batches = new TextTraining.WindowSteps(s.train(), r.batch(), steps, 0, sequence);
        int[] rows = batches.rows(1);
        CharWindows.Batch train = sequence ? s.train().sequenceBatch(rows) : s.train().batch(rows);
        CharWindows.Batch test = s.test().batch(TextTraining.sample(s.test().size(), testWindows));
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("train_x", train.inputs());
        data.put("train_y", train.targets());
        data.put("test_x", test.inputs());
        data.put("test_y", test.targets());
        Safetensors.write(dir.resolve(name + "-data.safetensors"), data, Map.of("lr", Double.toString(r.lr()),
                "batch", Integer.toString(r.batch()), "steps", Integer.toString(steps)));
        out.printf(Locale.ROOT, "%s: %,d parameters, context %d, batch %d, AdamW lr %s, %d steps%n", name, net.parameterCount(),
                r.context(), r.batch(), r.lr(), steps);
        out.flush();

        Optimizer opt = new AdamW(net.parameters(), r.lr(), 0.01);
        double[] ms = new double[steps];
        int b = r.batch();
        for (int step = 0; step < steps; step++) {
            long t0 = System.nanoTime();
            Tensor x = train.inputs().narrow(0, step * b, b), y = train.targets().narrow(0, step * b, b);
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(net.call(x), y, CharWindows.IGNORE);
            loss.backward();
            opt.step();
            double value = loss.item();
            ms[step] = (System.nanoTime() - t0) / 1e6;
            if (step % 20 == 0 || step == steps - 1) out.printf(Locale.ROOT, "%s step %d: loss %.4f  %.1f ms%n", name, step + 1, value, ms[step]);
            out.flush();
        }
        double[] timed = Arrays.copyOfRange(ms, timedFrom(steps), steps);
        Arrays.sort(timed);
        out.printf(Locale.ROOT, "%s ms per step: %.2f%n", name, timed[timed.length / 2]);
        out.printf(Locale.ROOT, "%s ms per step, whole run: %.2f%n", name, Arrays.stream(ms).sum() / steps);
        out.printf(Locale.ROOT, "%s test loss: %.4f%n", name, testLoss(net, test));
        out.flush();
    }

    /**
     * {@code train --data words --model M} with its recipe and defaults (seed 0, no clipping), for
     * {@code epochs} epochs (null: all; the schedule is the whole recipe's either way). Writes
     * into {@code dir}: {@code NAME-init.safetensors}, {@code NAME-epochE.safetensors} (int64
     * train_x, train_y of epoch E's batches in order, as {@link #run} writes them) and
     * {@code NAME-data.safetensors} (val_x, val_y: the validation sample train scores after each
     * epoch; test_x, test_y: every test window; metadata: the recipe).
     */
    static void runRecipe(String name, Integer epochs, Path dir, PrintWriter out) {
        String model = name.substring("words-".length());
        TextTraining.Recipe r = TextTraining.Recipe.of(model);
        long seed = 0;   // train's default --seed
        TextData.Splits s = TextData.words().split(TextTraining.SPLIT_SEED, r.context());
        int v = s.vocabulary().size();
        Architecture arch = Architecture.read(new int[] {r.context()}, TextTraining.layers(model, r, v));
        boolean sequence = arch.outputShape().length == 3;
        EpochRandom random = new EpochRandom(seed);
        Sequential net = arch.build(random);
        int run = epochs == null ? r.epochs() : Math.min(epochs, r.epochs());
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Safetensors.write(dir.resolve(name + "-init.safetensors"), net.stateDict(), Map.of());
        TextTraining.WindowSteps steps = new TextTraining.WindowSteps(s.train(), r.batch(), r.stepsPerEpoch(), seed, sequence);
        for (int e = 1; e <= run; e++) {
            int[] rows = steps.rows(e);
            CharWindows.Batch b = sequence ? s.train().sequenceBatch(rows) : s.train().batch(rows);
            Map<String, Tensor> batches = new LinkedHashMap<>();   // in order: the same bytes from run to run
            batches.put("train_x", b.inputs());
            batches.put("train_y", b.targets());
            Safetensors.write(dir.resolve(name + "-epoch" + e + ".safetensors"), batches, Map.of());
        }
        int[] valRows = TextTraining.sample(s.validation().size(), TextTraining.VALIDATION_SAMPLE);
        CharWindows.Batch val = s.validation().batch(valRows);
        int[] all = new int[s.test().size()];
        Arrays.setAll(all, i -> i);
        CharWindows.Batch test = s.test().batch(all);
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("val_x", val.inputs());
        data.put("val_y", val.targets());
        data.put("test_x", test.inputs());
        data.put("test_y", test.targets());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("optimizer", r.optimizer());
        meta.put("lr", Double.toString(r.lr()));
        meta.put("schedule", r.schedule().cliName());
        meta.put("recipe_epochs", Integer.toString(r.epochs()));
        meta.put("epochs", Integer.toString(run));
        meta.put("steps_per_epoch", Integer.toString(r.stepsPerEpoch()));
        meta.put("batch", Integer.toString(r.batch()));
        Safetensors.write(dir.resolve(name + "-data.safetensors"), data, meta);

        Optimizer opt = Optimizers.create(r.optimizer(), net.parameters(), r.lr());
        LrSchedule schedule = r.schedule().create(opt, r.epochs());
        out.printf(Locale.ROOT, "%s recipe: %,d parameters, context %d, batch %d, %s lr %s%s, %d of %d epochs of %d steps, seed %d%n", name,
                net.parameterCount(), r.context(), r.batch(), r.optimizer(), r.lr(), r.schedule() == Schedule.NONE ? "" : " " + r.schedule().cliName(),
                run, r.epochs(), r.stepsPerEpoch(), seed);
        out.flush();
        Trainer.Builder builder = Trainer.builder().epochs(run).batchSize(r.batch()).seed(seed).epochRandom(random).task(Task.REGRESS)
                .schedule(schedule).listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochStats stats, History history) {
                        out.printf(Locale.ROOT, "%s epoch %d: train loss %.4f, lr %.6g, %.1f s%n", name, stats.epoch(), stats.trainLoss(),
                                stats.learningRate(), stats.seconds());
                        out.printf(Locale.ROOT, "%s epoch %d validation loss: %.4f%n", name, stats.epoch(),
                                TextTraining.meanLoss(net, s.validation(), valRows));
                        out.flush();
                    }
                });
        History history = builder.build().fit(net, opt, steps, null);
        double training = history.epochs().stream().mapToDouble(EpochStats::seconds).sum();
        out.printf(Locale.ROOT, "%s ms per step: %.2f%n", name, 1000 * training / ((long) run * r.stepsPerEpoch()));
        out.printf(Locale.ROOT, "%s test loss: %.4f%n", name, TextTraining.meanLoss(net, s.test(), null));
        out.flush();
    }

    /** Mean cross-entropy of the last position of each test window. */
    static double testLoss(Sequential net, CharWindows.Batch test) {
        int n = test.targets().size(0);
        double sum = 0;
        try (var g = io.backprop4j.tensor.NoGrad.enter(); var mode = net.evalScope()) {
            for (int at = 0; at < n; at += TextTraining.EVAL_BATCH) {
                int len = Math.min(TextTraining.EVAL_BATCH, n - at);
                Tensor logits = net.call(test.inputs().narrow(0, at, len));
                if (logits.rank() == 3) logits = logits.select(1, logits.size(1) - 1);
                sum += Losses.crossEntropy(logits, test.targets().narrow(0, at, len), CharWindows.IGNORE).item() * len;
            }
        }
        return sum / n;
    }
}
