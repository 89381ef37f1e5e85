package io.backprop4j.cli;

import io.backprop4j.data.CharWindows;
import io.backprop4j.data.TextData;
import io.backprop4j.io.Safetensors;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.AdamW;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Architecture;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The {@code words-transformer} and {@code words-lstm} workloads of {@code bench}: the model of
 * {@code train --data words --model transformer|lstm} (its recipe's sizes, context and batch),
 * trained for {@code steps} steps of AdamW (the recipe's learning rate, constant; weight decay
 * 0.01) on the same batches as tools/bench/words_reference.py, which PyTorch trains from the same
 * initial weights. This side writes both into {@code dir}: {@code NAME-init.safetensors} (our
 * state dict; Linear weights [in, out]) and {@code NAME-data.safetensors} (int64 train_x,
 * train_y [steps·batch, context], every position's target, −100 over padding; test_x [n,
 * context], test_y [n], a seeded sample of {@code testWindows} test windows, 8,192 by default).
 *
 * <p>Prints "NAME ms per step: X" (the median over the steps after {@link #WARM_UP}) and
 * "NAME test loss: X" (nats per character on the test sample after the last step).
 */
final class TextBench {
    /** Steps not timed (the JIT's, and PyTorch's allocator's, first passes). */
    static final int WARM_UP = 5;

    private TextBench() {}

    static void run(String name, int steps, int testWindows, Path dir, PrintWriter out) {
        String model = name.substring("words-".length());
        TextTraining.Recipe r = TextTraining.Recipe.of(model);
        TextData words = TextData.words();
        TextData.Splits s = words.split(TextTraining.SPLIT_SEED, r.context());
        int v = s.vocabulary().size();
        Sequential net = Architecture.read(new int[] {r.context()}, TextTraining.layers(model, r, v)).build(new SplittableRandom(0));
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Safetensors.write(dir.resolve(name + "-init.safetensors"), net.stateDict(), Map.of());
        TextTraining.WindowSteps batches = new TextTraining.WindowSteps(s.train(), r.batch(), steps, 0, true);
        int[] rows = batches.rows(1);
        CharWindows.Batch train = s.train().sequenceBatch(rows);
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
        double[] timed = Arrays.copyOfRange(ms, Math.min(WARM_UP, steps - 1), steps);
        Arrays.sort(timed);
        out.printf(Locale.ROOT, "%s ms per step: %.2f%n", name, timed[timed.length / 2]);
        out.printf(Locale.ROOT, "%s test loss: %.4f%n", name, testLoss(net, test));
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
