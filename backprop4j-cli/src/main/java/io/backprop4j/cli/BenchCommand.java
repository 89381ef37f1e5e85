package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Datasets;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.data.Idx;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Softmax;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.optim.SGD;
import io.backprop4j.system.Backend;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code backprop4j bench WORKLOAD}: the reference workloads of tools/bench/pytorch_reference.py,
 * run by backprop4j and printing the same result lines; {@code bench compare} runs ours and
 * PyTorch's in turn, in separate processes, and prints the ratios.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time a reference workload, or all of them;",
                "'bench compare [WORKLOAD]' runs PyTorch's reference beside ours and prints the ratios."})
public final class BenchCommand implements Callable<Integer> {
    /** What bench runs. */
    enum Workload implements Choices.Choice {
        /** A 784-512-256-10 MLP trained on Fashion-MNIST with Adam, seconds per epoch. */
        FMNIST_MLP,
        /** A small CNN (two 3x3 convolutions, max pooling, two dense layers) on Fashion-MNIST with Adam, seconds per epoch. */
        FMNIST_CNN,
        /** One SGD step of exercise 6.1, microseconds. */
        SEED_STEP,
        /** float32 square matrix products, GFLOP/s. */
        GEMM,
        /** {@link #RUN_BY_ALL}, in that order. */
        ALL,
        /** Ours and PyTorch's in turn, and the ratios. */
        COMPARE,
        /** fmnist-mlp over hidden widths and batch sizes, both libraries, plotted. */
        SWEEP,
        /** train --data words --model transformer's network: ms per training step and test loss after --steps steps. */
        WORDS_TRANSFORMER,
        /** The same for --model lstm. */
        WORDS_LSTM,
        /** The same for --model gru. */
        WORDS_GRU,
        /** The same for --model mlp. */
        WORDS_MLP,
        /** The same for --model bigram. */
        WORDS_BIGRAM;

        boolean isText() {
            return cliName().startsWith("words-");
        }

        /** What {@code all} runs, in order. */
        static final List<Workload> RUN_BY_ALL = List.of(GEMM, SEED_STEP, FMNIST_MLP);

        boolean needsFashionMnist() {
            return this == FMNIST_MLP || this == FMNIST_CNN || this == ALL || this == SWEEP;
        }

        static final class Names extends Choices.Of<Workload> {
            Names() {
                super("workload", Workload.class);
            }
        }

        /** What compare can set side by side with PyTorch. */
        static final class Compared extends Choices.Of<Workload> {
            Compared() {
                super("workload", Arrays.stream(values()).filter(w -> w != COMPARE && w != SWEEP).toList());
            }
        }
    }

    @Parameters(index = "0", defaultValue = "all", paramLabel = "WORKLOAD", converter = Workload.Names.class,
            completionCandidates = Workload.Names.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Workload workload;

    @Parameters(index = "1", arity = "0..1", paramLabel = "COMPARED", converter = Workload.Compared.class,
            completionCandidates = Workload.Compared.class,
            description = "With 'compare': the workload to compare, ${COMPLETION-CANDIDATES} (default all).")
    Workload compared;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs of fmnist-mlp and fmnist-cnn (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--threads", defaultValue = "2", description = "Threads for both libraries (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--runs", defaultValue = "3", description = "With compare: runs of each side, alternating; medians are compared.")
    int runs;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = Datasets.FASHION_MNIST_DIR_TEXT,
            description = "Fashion-MNIST folder (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--python", paramLabel = "PROGRAM", defaultValue = "/usr/bin/python3",
            description = "Python with PyTorch, for compare and sweep (default ${DEFAULT-VALUE}).")
    String python;

    /** Where the reference script lies in a checkout. */
    static final String REFERENCE = "tools/bench/pytorch_reference.py";

    @Option(names = "--reference", paramLabel = "FILE.py",
            description = "PyTorch reference script, for compare and sweep (default: " + REFERENCE + " in the current directory,"
                    + " else in $BACKPROP4J_HOME, else in the checkout this jar was built in); sweep uses pytorch_sweep.py beside it.")
    Path reference;

    @Option(names = "--sizes", split = ",", description = "GEMM sizes (default 256,512,1024,2048).")
    int[] sizes = {256, 512, 1024, 2048};

    @Option(names = "--hidden", split = ",", description = "fmnist-mlp hidden widths (default 512,256, as the reference).")
    int[] hidden = {512, 256};

    @Option(names = "--batch", defaultValue = "128", description = "fmnist-mlp batch size (default ${DEFAULT-VALUE}, as the reference).")
    int batch;

    @Option(names = "--plot", description = "With 'sweep': the PNG to draw (default bench-sweep.png).")
    Path plot;

    @Option(names = "--steps", defaultValue = "400", description = "Training steps of the words-* workloads at the recipe's constant rate (default ${DEFAULT-VALUE});"
            + " ms per step is the median of the second half, the steady state, and 'whole run' the mean over all.")
    int steps;

    @Option(names = "--recipe", description = "words-*: train the whole recipe of train --data words --model M instead (its epochs, steps,"
            + " batch, optimiser, schedule and weight decay, the validation after each epoch, the test loss over the whole test split);"
            + " compare runs it once (on a busy machine with --threads 1: PyTorch's two threads ran a GRU step 16x slower than one at load 9).")
    boolean recipe;

    @Option(names = "--recipe-epochs", paramLabel = "N",
            description = "With --recipe: stop after the first N epochs (the schedule stays the whole recipe's; default all).")
    Integer recipeEpochs;

    @Option(names = "--test-windows", defaultValue = "8192",
            description = "words-*: test windows scored after training (a seeded sample; default ${DEFAULT-VALUE}; a --recipe scores them all).")
    int testWindows;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "words-*: where the initial weights and batches are written for PyTorch's side (default: a new temporary folder).")
    Path workDir;

    /** The PyTorch side of the words workloads, beside {@link #REFERENCE}. */
    static final String WORDS_REFERENCE = "words_reference.py";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1 || threads > Backend.maxThreads()) {
            throw new BackpropException("--threads " + threads + ": expected a whole number of threads from 1 to "
                    + Backend.maxThreads() + " (8 per processor)");
        }
        if (epochs < 1) throw new BackpropException("--epochs must be at least 1, got " + epochs);
        if (runs < 1) throw new BackpropException("--runs must be at least 1, got " + runs);
        long heap = Runtime.getRuntime().maxMemory();
        for (int n : sizes) {
            // three n x n float matrices
            if (n < 1 || 3.0 * n * n * Float.BYTES > heap * 0.9) {
                throw new BackpropException("--sizes: " + n + " is not a usable GEMM size; expected whole numbers from 1 to "
                        + (int) Math.sqrt(heap * 0.9 / (3.0 * Float.BYTES)) + " (three n x n matrices must fit in the heap)");
            }
        }
        if (batch < 1) throw new BackpropException("--batch must be at least 1, got " + batch);
        for (int h : hidden) if (h < 1 || h > 65536) throw new BackpropException("--hidden sizes must be 1 to 65536, got " + h);
        if (testWindows < 1) throw new BackpropException("--test-windows must be at least 1, got " + testWindows);
        if (steps < WARM_UP_STEPS + 1) throw new BackpropException("--steps must be at least " + (WARM_UP_STEPS + 1) + ", got " + steps);
        if (recipeEpochs != null && !recipe) throw new BackpropException("--recipe-epochs goes with --recipe");
        if (recipeEpochs != null && recipeEpochs < 1) throw new BackpropException("--recipe-epochs must be at least 1, got " + recipeEpochs);
        Workload text = workload == Workload.COMPARE ? compared : workload;
        if (recipe && (text == null || !text.isText())) {
            throw new BackpropException("--recipe is for the words-* workloads, not " + (text == null ? "all" : text.cliName()));
        }
        if (workload == Workload.COMPARE) return compare(out);
        if (workload.needsFashionMnist() && !Files.exists(dataDir.resolve("train-images-idx3-ubyte.gz"))) {
            throw new BackpropException("Fashion-MNIST not found in " + dataDir + "; install it with 'apt-get install dataset-fashion-mnist' or pass --data-dir");
        }
        if (workload == Workload.SWEEP) return sweep(out);
        System.setProperty("backprop4j.threads", Integer.toString(threads));
        out.println(Main.VERSION + ", java " + Runtime.version());
        out.println("machine: " + Backend.current().summary());
        out.flush();
        for (Workload w : workload == Workload.ALL ? Workload.RUN_BY_ALL : List.of(workload)) {
            switch (w) {
                case GEMM -> gemm(out);
                case SEED_STEP -> seedStep(out);
                case FMNIST_MLP -> fmnistMlp(out);
                case FMNIST_CNN -> fmnistCnn(out);
                case WORDS_TRANSFORMER, WORDS_LSTM, WORDS_GRU, WORDS_MLP, WORDS_BIGRAM -> {
                    Path dir = workDir != null ? workDir : Files.createTempDirectory("backprop4j-bench-");
                    if (recipe) TextBench.runRecipe(w.cliName(), recipeEpochs, dir, out);
                    else TextBench.run(w.cliName(), steps, testWindows, dir, out);
                }
                case ALL, COMPARE, SWEEP -> throw new IllegalStateException("not a single workload: " + w);
            }
        }
        out.println("peak rss MiB: " + peakRssMiB());
        out.flush();
        return 0;
    }

    // ------------------------------------------------------------------ workloads

    /** float32 C = A B for square n x n matrices with the public matmul, as the reference times {@code a @ b}. */
    void gemm(PrintWriter out) {
        for (int n : sizes) {
            SplittableRandom r = new SplittableRandom(n);
            Tensor a = Tensor.rand(r, DType.FLOAT32, n, n), b = Tensor.rand(r, DType.FLOAT32, n, n);
            double seconds = secondsPerCall(() -> a.matmul(b), Math.max(3, (int) (2e9 / (2.0 * n * n * n))));
            out.printf(Locale.ROOT, "gemm n=%d: %.1f GFLOP/s%n", n, 2.0 * n * n * n / seconds / 1e9);
            out.flush();
        }
    }

    /**
     * The benchmarks' one timing helper: warms {@code op} up (see {@link #warmUp}), then times
     * {@code calls} calls in a row and returns the seconds per call.
     */
    static double secondsPerCall(Runnable op, int calls) {
        warmUp(op);
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) op.run();
        return (System.nanoTime() - t0) / 1e9 / calls;
    }

    /**
     * Runs {@code op} until the JVM has settled: the reference warms up with 3 calls, but a JVM
     * compiles its hot loops (and recompiles them as new paths show up) over the first seconds,
     * and its compiler threads share the cores with the work. So, as JMH would: at least 3 calls
     * and 1 s, then on until the JIT compiler has been idle for half a second (10 s at most).
     */
    static void warmUp(Runnable op) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long lastCompile = start;
        long compileMillis = watchJit ? jit.getTotalCompilationTime() : 0;
        for (int i = 1; ; i++) {
            op.run();
            long now = System.nanoTime();
            if (watchJit && jit.getTotalCompilationTime() != compileMillis) {
                compileMillis = jit.getTotalCompilationTime();
                lastCompile = now;
            }
            boolean settled = i >= 3 && now - start >= 1_000_000_000L && now - lastCompile >= 500_000_000L;
            if (settled || now - start >= 10_000_000_000L) {
                return;
            }
        }
    }

    void seedStep(PrintWriter out) {
        Tensor x = Tensor.of(new double[][] {{3, 1, -1, 2}});
        Tensor y = Tensor.of(new double[][] {{0, 1}});
        Linear l1 = new Linear(Tensor.of(new double[][] {{-0.2, 0.9, 0.4}, {-0.1, 0.3, 0.4}, {0.2, 0.5, -0.7}, {0.2, -0.5, 0.5}}), null);
        Linear l2 = new Linear(Tensor.of(new double[][] {{0.6, -0.2}, {-0.1, 0.8}, {-0.5, -0.3}}), null);
        Sequential model = new Sequential(l1, new LeakyReLU(0.01), l2, new Softmax());
        Optimizer opt = new SGD(model.parameters(), 0.1);
        Runnable step = () -> {
            opt.zeroGrad();
            Losses.binaryCrossEntropy(model.forward(x), y).backward();
            opt.step();
        };
        // The reference times 20,000 steps after 2,000 of warm-up; a JVM warms up until its JIT is idle.
        double us = secondsPerCall(step, 20_000) * 1e6;
        out.printf(Locale.ROOT, "seed-step microseconds per step: %.2f%n", us);
        out.flush();
    }

    /** The fmnist-mlp workload of the reference: 784-{@code hidden}-10, ReLU; cross-entropy, Adam lr 1e-3. */
    void fmnistMlp(PrintWriter out) throws IOException {
        SplittableRandom rng = new SplittableRandom(0);
        Sequential model = new Sequential();
        int in = 784;
        for (int h : hidden) {
            model.add(new Linear(in, h, rng)).add(new ReLU());
            in = h;
        }
        model.add(new Linear(in, 10, rng));
        trainFashionMnist("fmnist-mlp", model, rng, out, 784);
    }

    /**
     * The fmnist-cnn workload of the reference: Conv2d(1, 16, 3, padding 1), ReLU, MaxPool2d(2),
     * Conv2d(16, 32, 3, padding 1), ReLU, MaxPool2d(2), Flatten, Linear(1568, 128), ReLU,
     * Linear(128, 10); cross-entropy, Adam lr 1e-3, batch 128, float32 images [N, 1, 28, 28].
     */
    void fmnistCnn(PrintWriter out) throws IOException {
        SplittableRandom rng = new SplittableRandom(0);
        Sequential model = new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(32 * 7 * 7, 128, rng), new ReLU(), new Linear(128, 10, rng));
        trainFashionMnist("fmnist-cnn", model, rng, out, 1, 28, 28);
    }

    /**
     * Trains {@code model} on Fashion-MNIST as the reference does ({@link #epochs} epochs of
     * {@link #batch}, shuffled with {@code rng}, Adam lr 1e-3, cross-entropy), each batch fed as
     * [m, {@code sample}...], and prints each epoch's time, loss and test accuracy, then
     * "NAME median epoch seconds: X".
     */
    private void trainFashionMnist(String name, Sequential model, SplittableRandom rng, PrintWriter out, int... sample)
            throws IOException {
        Path dir = dataDir;
        Path trainImages = dir.resolve("train-images-idx3-ubyte.gz");
        if (!Files.exists(trainImages)) {
            throw new BackpropException("Fashion-MNIST not found in " + dir + "; install it with 'apt-get install dataset-fashion-mnist' or pass --data-dir");
        }
        // The images stay in memory as their 8-bit pixels (47 MB rather than 188 MB of float32);
        // each batch is scaled to float32 [0, 1] as it is gathered, with the reference's x / 255.
        byte[] xs = Idx.readImages(trainImages).pixels();
        int[] ys = Idx.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));
        byte[] xt = Idx.readImages(dir.resolve("t10k-images-idx3-ubyte.gz")).pixels();
        int[] yt = Idx.readLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        int n = ys.length, d = 784;
        Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-3);
        double[] times = new double[epochs];
        float[] xb = new float[batch * d];
        int[] yb = new int[batch];
        int[] shape = new int[1 + sample.length];
        System.arraycopy(sample, 0, shape, 1, sample.length);
        double acc = 0;
        for (int e = 0; e < epochs; e++) {
            long t0 = System.nanoTime();
            int[] perm = permutation(n, rng);
            double loss = 0;
            for (int s = 0; s < n; s += batch) {
                int m = Math.min(batch, n - s);
                float[] bx = m == batch ? xb : new float[m * d];
                int[] by = m == batch ? yb : new int[m];
                for (int i = 0; i < m; i++) {
                    scalePixels(xs, perm[s + i] * d, bx, i * d, d);
                    by[i] = ys[perm[s + i]];
                }
                shape[0] = m;
                opt.zeroGrad();
                Tensor l = Losses.crossEntropy(model.forward(Tensor.of(bx, shape)), by);
                l.backward();
                opt.step();
                loss = l.item();
            }
            times[e] = (System.nanoTime() - t0) / 1e9;
            acc = accuracy(model, xt, yt, d, sample);
            out.printf(Locale.ROOT, "%s epoch %d: %.3f s  loss %.4f  test-acc %.4f%n", name, e + 1, times[e], loss, acc);
            out.flush();
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        out.printf(Locale.ROOT, "%s median epoch seconds: %.3f  final test-acc %.4f%n", name, sorted[sorted.length / 2], acc);
    }

    /** dst[dOff ..] = pixels[pOff ..] / 255 in float32, as the reference's x / 255, for {@code count} 8-bit pixels. */
    private static void scalePixels(byte[] pixels, int pOff, float[] dst, int dOff, int count) {
        Idx.scalePixels(pixels, pOff, dst, dOff, count);
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    /** Test accuracy over 8-bit images of {@code d} pixels, each fed as [rows, {@code sample}...], in chunks of 250, so that no activation holds the whole set and each chunk's (a 16x28x28 map of 250 images: 12.5 MB) stays in the young generation. */
    private static double accuracy(Sequential model, byte[] pixels, int[] y, int d, int... sample) {
        int chunk = 250;
        float[] x = new float[chunk * d];
        int hits = 0;
        try (var g = NoGrad.enter(); var m = model.evalScope()) {
            for (int s = 0; s < y.length; s += chunk) {
                int rows = Math.min(chunk, y.length - s);
                scalePixels(pixels, s * d, x, 0, rows * d);
                int[] shape = new int[1 + sample.length];
                shape[0] = rows;
                System.arraycopy(sample, 0, shape, 1, sample.length);
                Tensor pred = model.forward(Tensor.of(rows == chunk ? x : Arrays.copyOf(x, rows * d), shape)).argmax(1, false);
                for (int i = 0; i < rows; i++) if ((int) pred.getFlat(i) == y[s + i]) hits++;
            }
        }
        return hits / (double) y.length;
    }

    static long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }

    // ------------------------------------------------------------------ sweep

    /** Widths (hidden W, W/2) at batch 128, then batch sizes at width 512: both libraries, one plot. */
    private int sweep(PrintWriter out) throws IOException, InterruptedException {
        Path script = (reference != null ? reference : findReference()).resolveSibling("pytorch_sweep.py");
        int[] widths = {256, 512, 1024, 2048};
        int[] batches = {32, 64, 128, 256, 512};
        double[][] byWidth = new double[2][widths.length], byBatch = new double[2][batches.length];
        for (int i = 0; i < widths.length; i++) {
            double[] t = sweepPoint(out, script, widths[i], 128);
            byWidth[0][i] = t[0];
            byWidth[1][i] = t[1];
        }
        for (int i = 0; i < batches.length; i++) {
            double[] t = batches[i] == 128 ? new double[] {byWidth[0][1], byWidth[1][1]} : sweepPoint(out, script, 512, batches[i]);
            byBatch[0][i] = t[0];
            byBatch[1][i] = t[1];
        }
        out.println();
        out.printf(Locale.ROOT, "%-28s %12s %12s %8s%n", "fmnist-mlp epoch seconds", "backprop4j", "PyTorch", "ratio");
        for (int i = 0; i < widths.length; i++) {
            out.printf(Locale.ROOT, "%-28s %12.3f %12.3f %8.3f%n", "hidden " + widths[i] + "," + widths[i] / 2 + " batch 128",
                    byWidth[0][i], byWidth[1][i], byWidth[0][i] / byWidth[1][i]);
        }
        for (int i = 0; i < batches.length; i++) {
            out.printf(Locale.ROOT, "%-28s %12.3f %12.3f %8.3f%n", "hidden 512,256 batch " + batches[i],
                    byBatch[0][i], byBatch[1][i], byBatch[0][i] / byBatch[1][i]);
        }
        Path file = plot != null ? plot : Path.of("bench-sweep.png");
        Plots.benchSweep(widths, byWidth, batches, byBatch, file, "fmnist-mlp, " + threads + " threads, median of " + epochs + " epochs");
        out.println("plot: " + file);
        out.flush();
        return 0;
    }

    private double[] sweepPoint(PrintWriter out, Path script, int width, int batchSize) throws IOException, InterruptedException {
        String widthsArg = width + "," + width / 2;
        out.println("hidden " + widthsArg + ", batch " + batchSize + ":");
        out.flush();
        List<String> ours = new ArrayList<>(oursCommand(Workload.FMNIST_MLP));
        ours.addAll(List.of("--hidden", widthsArg, "--batch", Integer.toString(batchSize)));
        double a = runAndParse(ours, Map.of(), out).getOrDefault("fmnist-mlp median epoch seconds", Double.NaN);
        List<String> torch = List.of("env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", python, script.toString(),
                "--hidden", widthsArg, "--batch", Integer.toString(batchSize), "--epochs", Integer.toString(epochs),
                "--threads", Integer.toString(threads));
        double b = runAndParse(torch, Map.of(), out).getOrDefault("fmnist-mlp median epoch seconds", Double.NaN);
        checkPytorchBlas();
        return new double[] {a, b};
    }

    // ------------------------------------------------------------------ compare

    private static final Pattern RESULT = Pattern.compile(
            "^(fmnist-mlp median epoch seconds|fmnist-cnn median epoch seconds|seed-step microseconds per step|gemm n=\\d+|peak rss MiB"
                    + "|words-[a-z]+ (?:ms per step(?:, whole run)?|test loss|epoch \\d+ validation loss)): ([0-9.]+)");
    /** Steps not timed by the words workloads. */
    static final int WARM_UP_STEPS = TextBench.WARM_UP;

    private int compare(PrintWriter out) throws IOException, InterruptedException {
        Workload what = compared == null ? Workload.ALL : compared;
        if (reference != null && !Files.isRegularFile(reference)) {
            throw new BackpropException("--reference " + reference + ": " + (Files.isDirectory(reference) ? "is a directory" : "no such file")
                    + "; expected the PyTorch script tools/bench/pytorch_reference.py");
        }
        if (python.contains("/") && !Files.isExecutable(Path.of(python))) {
            throw new BackpropException("--python " + python + ": no such program; expected a Python with PyTorch, such as /usr/bin/python3");
        }
        Path script = reference != null ? reference : findReference();
        if (what.isText()) {
            script = script.resolveSibling(WORDS_REFERENCE);
            if (workDir == null) workDir = Files.createTempDirectory("backprop4j-bench-");
        }
        // Each workload runs in a fresh process on both sides, so that one workload's JIT profile,
        // heap or thread state cannot change the next one's figure, and peak RSS is per workload.
        List<String> workloads = (what == Workload.ALL ? Workload.RUN_BY_ALL : List.of(what)).stream().map(Workload::cliName).toList();
        List<Map<String, Double>> ours = new ArrayList<>(), theirs = new ArrayList<>();
        // A recipe is deterministic on both sides and takes minutes: once is enough.
        int runs = recipe ? 1 : this.runs;
        for (int r = 0; r < runs; r++) {
            Map<String, Double> oursRun = new LinkedHashMap<>(), theirsRun = new LinkedHashMap<>();
            for (String w : workloads) {
                out.println("run " + (r + 1) + "/" + runs + ": backprop4j " + w);
                out.flush();
                oursRun.putAll(perWorkloadRss(runAndParse(oursCommand(w), Map.of(), out), w));
                out.println("run " + (r + 1) + "/" + runs + ": PyTorch " + w);
                out.flush();
                theirsRun.putAll(perWorkloadRss(runAndParse(pytorchCommand(script, w), Map.of(), out), w));
                checkPytorchBlas();
            }
            ours.add(oursRun);
            theirs.add(theirsRun);
        }
        out.println();
        out.println("backprop4j: " + (ourMachine != null ? ourMachine : "machine not reported"));
        out.println("PyTorch BLAS: " + (pytorchBlas != null ? pytorchBlas : "not reported by " + script)
                + (pytorchBlasThreads != null ? "; " + pytorchBlasThreads + (pytorchBlasThreads == 1 ? " thread" : " threads") : ""));
        out.printf(Locale.ROOT, "%-40s %12s %12s %10s%n", "median of " + runs + " runs", "backprop4j", "PyTorch", "ratio");
        for (String key : ours.get(0).keySet()) {
            double a = median(ours, key), b = median(theirs, key);
            if (Double.isNaN(b)) continue;
            boolean higherIsBetter = key.startsWith("gemm");
            String sense = higherIsBetter ? "x PyTorch's GFLOP/s" : "x PyTorch's time";
            if (key.startsWith("peak rss")) sense = "x PyTorch's memory";
            if (key.endsWith(" loss")) {
                out.printf(Locale.ROOT, "%-40s %12.4f %12.4f %+8.4f  nats per character, ours minus PyTorch's%n", key, a, b, a - b);
                continue;
            }
            out.printf(Locale.ROOT, "%-40s %12.3f %12.3f %8.3f  %s%n", key, a, b, a / b, sense);
        }
        out.flush();
        return 0;
    }

    private static double median(List<Map<String, Double>> runs, String key) {
        double[] v = runs.stream().mapToDouble(m -> m.getOrDefault(key, Double.NaN)).filter(x -> !Double.isNaN(x)).sorted().toArray();
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }

    private List<String> oursCommand(Workload what) {
        return oursCommand(what.cliName());
    }

    private List<String> oursCommand(String what) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(heapOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench", what, "--epochs", Integer.toString(epochs), "--threads", Integer.toString(threads),
                "--data-dir", dataDir.toString(), "--steps", Integer.toString(steps), "--test-windows", Integer.toString(testWindows)));
        if (workDir != null) cmd.addAll(List.of("--work-dir", workDir.toString()));
        if (recipe) cmd.add("--recipe");
        if (recipeEpochs != null) cmd.addAll(List.of("--recipe-epochs", Integer.toString(recipeEpochs)));
        if (!Arrays.equals(sizes, new int[] {256, 512, 1024, 2048})) {
            cmd.add("--sizes");
            cmd.add(String.join(",", Arrays.stream(sizes).mapToObj(Integer::toString).toList()));
        }
        return cmd;
    }

    /**
     * The collector and heap options of this JVM (those bin/backprop4j works out: ParallelGC, a fixed
     * young generation and survivors), so that our side of a comparison runs as {@code train} does;
     * ParallelGC and a 128 MiB young generation when this JVM was started without them. An
     * adaptive-survivor -Xmn128m instead of the wrapper's options gave words-transformer a peak RSS
     * of 474 against 304 MiB.
     */
    private static List<String> heapOptions() {
        List<String> own = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.matches("-Xm[sxn].*|-XX:[+-]Use\\w*GC|-XX:(Max)?NewSize=.*|-XX:SurvivorRatio=.*|-XX:[+-]UseAdaptiveSizePolicy"))
                .toList();
        List<String> options = new ArrayList<>(own);
        if (own.stream().noneMatch(a -> a.matches("-XX:\\+Use\\w*GC"))) options.add("-XX:+UseParallelGC");
        if (own.stream().noneMatch(a -> a.startsWith("-Xmn") || a.contains("NewSize="))) options.add("-Xmn128m");
        return options;
    }

    private List<String> pytorchCommand(Path script, String what) {
        // OpenBLAS runs slowly on this processor with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE set: unset them
        // for PyTorch's run alone (env -u), and report its peak RSS as ours does.
        String code = "import resource, runpy, sys; sys.argv = [sys.argv[1]] + sys.argv[2:]; "
                + "runpy.run_path(sys.argv[0], run_name='__main__'); "
                + "print('peak rss MiB: %d' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))";
        if (what.startsWith("words-")) {
            List<String> cmd = new ArrayList<>(List.of("env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", python, "-c", code,
                    script.toString(), what, "--work-dir", workDir.toString(), "--threads", Integer.toString(threads),
                    "--heads", Integer.toString(TextTraining.Recipe.of("transformer").heads())));
            if (recipe) cmd.add("--recipe");
            return cmd;
        }
        return List.of("env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", python, "-c", code, script.toString(),
                what, "--epochs", Integer.toString(epochs), "--threads", Integer.toString(threads));
    }

    /** The default of --reference: {@link #REFERENCE} in the current directory, in $BACKPROP4J_HOME, or in this jar's checkout. */
    private static Path findReference() {
        List<Path> roots = new ArrayList<>(List.of(Path.of("")));
        String home = System.getenv("BACKPROP4J_HOME");
        if (home != null && !home.isBlank()) roots.add(Path.of(home));
        checkout().ifPresent(roots::add);
        for (Path root : roots) {
            Path p = root.resolve(REFERENCE);
            if (Files.isRegularFile(p)) return p;
        }
        throw new BackpropException("PyTorch reference script not found; pass --reference " + REFERENCE);
    }

    /** The checkout whose backprop4j-cli/target holds this class (the jar or the classes folder), if it is one. */
    private static java.util.Optional<Path> checkout() {
        try {
            Path code = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = code.getParent();
            if (target == null || target.getParent() == null || target.getParent().getParent() == null) return java.util.Optional.empty();
            return java.util.Optional.of(target.getParent().getParent());
        } catch (RuntimeException | java.net.URISyntaxException e) {
            return java.util.Optional.empty();   // no code source (a custom class loader): no checkout to look in
        }
    }

    /** The results of one workload's process, its "peak rss MiB" renamed "peak rss MiB (WORKLOAD)". */
    private static Map<String, Double> perWorkloadRss(Map<String, Double> results, String workload) {
        Map<String, Double> renamed = new LinkedHashMap<>();
        results.forEach((key, value) -> renamed.put(key.equals("peak rss MiB") ? key + " (" + workload + ")" : key, value));
        return renamed;
    }

    /** The "blas: ..." line of the PyTorch reference (the libraries its process loaded), once seen. */
    private String pytorchBlas;
    /** The "blas threads: N" of the PyTorch reference (the threads its OpenBLAS runs), once seen. */
    private Integer pytorchBlasThreads;
    /** The "machine: ..." line of our benchmark process, once seen. */
    private String ourMachine;

    /**
     * Refuses to compare against PyTorch on the reference BLAS (Debian's python3-torch without an
     * optimised BLAS installed): it runs about 30x slower than OpenBLAS, so every ratio would flatter us.
     */
    private void checkPytorchBlas() {
        // torch.set_num_threads does not reach OpenBLAS's pthread build, so the scripts set both
        // (tools/bench/blas_threads.py); a script that did not would run a one-thread comparison on two.
        if (pytorchBlasThreads != null && pytorchBlasThreads != threads) {
            throw new BackpropException("PyTorch's BLAS ran " + pytorchBlasThreads + " threads, not the " + threads
                    + " of --threads, so no ratios are printed; the reference scripts set them with tools/bench/blas_threads.py");
        }
        if (pytorchBlas == null) return;
        String libs = pytorchBlas.toLowerCase(Locale.ROOT);
        if (!libs.contains("openblas") && !libs.contains("mkl") && !libs.contains("blis")) {
            throw new BackpropException("PyTorch runs on the reference BLAS (" + pytorchBlas + "), about 30x slower than an "
                    + "optimised one, so no ratios are printed; install OpenBLAS with 'apt-get install libopenblas0-pthread'");
        }
    }

    private Map<String, Double> runAndParse(List<String> cmd, Map<String, String> env, PrintWriter out)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        Map<String, Double> results = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("WARNING: Using incubator")) continue;
                if (line.startsWith("blas: ")) pytorchBlas = line.substring("blas: ".length()).trim();
                if (line.startsWith("blas threads: ")) pytorchBlasThreads = Integer.valueOf(line.substring("blas threads: ".length()).trim());
                if (line.startsWith("machine: ")) ourMachine = line.substring("machine: ".length()).trim();
                out.println("  " + line);
                out.flush();
                Matcher m = RESULT.matcher(line);
                if (m.find()) results.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        int rc = p.waitFor();
        if (rc != 0) throw new BackpropException("benchmark command failed with exit status " + rc + ": " + String.join(" ", cmd));
        return results;
    }
}
