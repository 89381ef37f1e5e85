package io.backprop4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.backprop4j.infer.InferencePlan;
import io.backprop4j.io.Safetensors;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.PyTorchState;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Inference speed side by side (issue 13 item 6): the fmnist MLP 784-512-256-10 and the fmnist
 * CNN of tools/bench/pytorch_reference.py, with seeded weights, in backprop4j ({@link
 * InferencePlan#predict}, which gives the same floats as the forward under NoGrad in eval mode,
 * timed too), in ONNX Runtime Java (the file {@link Onnx#save} writes, 2 intra-op
 * threads, a heap FloatBuffer input) and in PyTorch (tools/bench/predict_pytorch.py on the
 * weights {@link PyTorchState#toPyTorch} writes, 2 threads). Batch 1: microseconds per sample,
 * the median of many calls; batch 256: samples per second, 256 over the median call. A test
 * source (ONNX Runtime stays out of the runtime scope); tools/bench/predict.sh runs it.
 *
 * <p>Arguments: a work directory for the files, and the PyTorch script (absent: no PyTorch column).
 */
public final class PredictBench {
    private static final int THREADS = 2;
    private static final int[] BATCHES = {1, 256};
    /** Timed calls after warm-up: at least this many, and at least {@link #MIN_TIMED_NANOS}. */
    private static final int MIN_CALLS = 21;
    private static final long MIN_TIMED_NANOS = 3_000_000_000L;

    private PredictBench() {}

    record Model(String name, Sequential net, int[] sample) {}

    /** The two benchmark networks, float32, their weights drawn from {@code new SplittableRandom(seed)}. */
    static List<Model> models(long seed) {
        var rng = new SplittableRandom(seed);
        Sequential mlp = new Sequential(new Linear(784, 512, rng), new ReLU(), new Linear(512, 256, rng), new ReLU(),
                new Linear(256, 10, rng));
        Sequential cnn = new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(32 * 7 * 7, 128, rng), new ReLU(), new Linear(128, 10, rng));
        return List.of(new Model("fmnist-mlp", mlp, new int[] {784}), new Model("fmnist-cnn", cnn, new int[] {1, 28, 28}));
    }

    static int[] shape(int batch, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = batch;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    /** An ONNX Runtime session on {@code onnx} with {@code threads} intra-op threads, and its input name. */
    static final class Ort implements AutoCloseable {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final OrtSession session;
        final String input;

        Ort(byte[] onnx, int threads) throws OrtException {
            try (var options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                options.setInterOpNumThreads(1);
                session = env.createSession(onnx, options);
            }
            input = session.getInputNames().iterator().next();
        }

        /** One inference on a heap buffer of {@code x}; the output's floats. */
        float[] run(FloatBuffer x, long[] shape) {
            try (var in = OnnxTensor.createTensor(env, x, shape);
                 var result = session.run(Map.of(input, in))) {
                FloatBuffer b = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] out = new float[b.remaining()];
                b.get(out);
                return out;
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws OrtException {
            session.close();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: PredictBench WORK_DIR [PYTORCH_SCRIPT]");
            System.exit(2);
        }
        System.setProperty("backprop4j.threads", Integer.toString(THREADS));
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Path script = args.length == 2 ? Path.of(args[1]) : null;
        System.out.println("java " + Runtime.version() + ", " + THREADS + " threads, batch 1: median microseconds per sample, "
                + "batch 256: samples per second (256 / median call)");
        // model -> batch -> {ours (the plan), ort, ours (forward)}
        Map<String, double[][]> figures = new HashMap<>();
        var rng = new SplittableRandom(1);
        for (Model m : models(0)) {
            byte[] onnx = Onnx.toBytes(m.net(), m.sample());
            Onnx.save(m.net(), m.sample(), dir.resolve(m.name() + ".onnx"));
            Safetensors.write(dir.resolve(m.name() + ".safetensors"), PyTorchState.toPyTorch(m.net()), Map.of());
            Map<String, Tensor> io = new HashMap<>();
            double[][] f = new double[BATCHES.length][3];
            InferencePlan plan = InferencePlan.of(m.net());
            try (var ort = new Ort(onnx, THREADS); var g = NoGrad.enter(); var e = m.net().evalScope()) {
                for (int b = 0; b < BATCHES.length; b++) {
                    int batch = BATCHES[b];
                    int[] shape = shape(batch, m.sample());
                    Tensor x = Tensor.rand(rng, DType.FLOAT32, shape);
                    float[] xf = x.toFloatArray();
                    long[] lshape = Arrays.stream(shape).asLongStream().toArray();
                    FloatBuffer buf = FloatBuffer.wrap(xf);
                    Tensor ours = m.net().forward(x);
                    float[] theirs = ort.run(buf, lshape);
                    double diff = maxRelDiff(ours.toFloatArray(), theirs);
                    System.out.printf(Locale.ROOT, "%s batch %d: backprop4j vs ONNX Runtime, max |a-b|/(1+|b|) = %.2e%n", m.name(), batch, diff);
                    if (!(diff <= 1e-5)) throw new IllegalStateException(m.name() + ": backprop4j and ONNX Runtime disagree by " + diff);
                    if (!Arrays.equals(ours.toFloatArray(), plan.predict(x).toFloatArray())) {
                        throw new IllegalStateException(m.name() + " batch " + batch + ": the plan and the forward give different floats");
                    }
                    io.put("x" + batch, x);
                    io.put("y" + batch, ours);
                    double planS = medianSeconds(() -> plan.predict(x));
                    double ortS = medianSeconds(() -> ort.run(buf, lshape));
                    double oursS = medianSeconds(() -> m.net().forward(x));
                    f[b][0] = batch == 1 ? planS * 1e6 : batch / planS;
                    f[b][1] = batch == 1 ? ortS * 1e6 : batch / ortS;
                    f[b][2] = batch == 1 ? oursS * 1e6 : batch / oursS;
                }
            }
            Safetensors.write(dir.resolve(m.name() + ".io.safetensors"), io, Map.of());
            figures.put(m.name(), f);
        }
        Map<String, Double> torch = script == null ? Map.of() : pytorch(script, dir);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-11s %5s %12s %12s %12s %12s  %s%n", "model", "batch", "backprop4j", "(forward)", "ONNX Runtime", "PyTorch", "ratio");
        for (Model m : models(0)) {
            double[][] f = figures.get(m.name());
            for (int b = 0; b < BATCHES.length; b++) {
                int batch = BATCHES[b];
                Double pt = torch.get(m.name() + " " + batch);
                String unit = batch == 1 ? "us" : "/s";
                String ratio;
                if (batch == 1) {
                    ratio = String.format(Locale.ROOT, "%.2f (ours/ORT latency, target <= 1.0)", f[b][0] / f[b][1]);
                } else {
                    double best = Math.max(f[b][1], pt == null ? 0 : pt);
                    ratio = String.format(Locale.ROOT, "%.2f (ours/best throughput, target >= 1.0)", f[b][0] / best);
                }
                System.out.printf(Locale.ROOT, "%-11s %5d %9.1f %s %9.1f %s %9.1f %s %12s  %s%n", m.name(), batch, f[b][0], unit, f[b][2], unit, f[b][1], unit,
                        pt == null ? "-" : String.format(Locale.ROOT, "%9.1f %s", pt, unit), ratio);
            }
        }
    }

    static double maxRelDiff(float[] a, float[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
        return worst;
    }

    /**
     * Runs tools/bench/predict_pytorch.py on the files in {@code dir}, without the OPENBLAS_*
     * tuning variables (as the timing rules ask); its lines "MODEL BATCH FIGURE" become the map.
     */
    static Map<String, Double> pytorch(Path script, Path dir) throws IOException, InterruptedException {
        var pb = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString(), Integer.toString(THREADS)).redirectErrorStream(true);
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.out.println("PyTorch failed:\n" + out);
            return Map.of();
        }
        Map<String, Double> figures = new HashMap<>();
        for (String line : out.lines().toList()) {
            System.out.println("pytorch: " + line);
            String[] w = line.trim().split("\\s+");
            if (w.length == 3 && w[0].startsWith("fmnist-")) figures.put(w[0] + " " + w[1], Double.parseDouble(w[2]));
        }
        return figures;
    }

    /** Warms {@code op} up until the JIT is idle (as BenchCommand.warmUp), then the median of single timed calls, in seconds. */
    static double medianSeconds(Runnable op) {
        warmUp(op);
        List<Long> times = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < MIN_CALLS || System.nanoTime() - start < MIN_TIMED_NANOS) {
            long t0 = System.nanoTime();
            op.run();
            times.add(System.nanoTime() - t0);
            if (times.size() >= 1_000_000) break;
        }
        long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
        return t[t.length / 2] / 1e9;
    }

    /**
     * A copy of backprop4j-cli's BenchCommand.warmUp (this module does not depend on the CLI): at
     * least 3 calls and 1 s, then on until the JIT compiler has been idle for half a second (10 s at most).
     */
    static void warmUp(Runnable op) {
        var jit = ManagementFactory.getCompilationMXBean();
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
            if (settled || now - start >= 10_000_000_000L) return;
        }
    }
}
