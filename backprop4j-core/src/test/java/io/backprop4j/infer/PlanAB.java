package io.backprop4j.infer;

import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A/B timing of the plan: the old path ({@code InferencePlan.of(model, false)}: no column split at
 * batch 1, one product per layer past it) against the new one, interleaved in one
 * JVM, for the fmnist MLP and CNN (PredictBench's networks) at batch 1 and 256. Per call: the
 * median over rounds of wall time, of this thread's CPU time and of the process's CPU time (the
 * helper threads included), and the bytes this thread allocated. Usage, from the test class path:
 * {@code java --add-modules jdk.incubator.vector -Dbackprop4j.threads=2 -cp ... io.backprop4j.infer.PlanAB [rounds]}.
 */
public final class PlanAB {
    private PlanAB() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String only = System.getProperty("model", "");
        var rng = new SplittableRandom(0);
        Sequential mlp = new Sequential(new Linear(784, 512, rng), new ReLU(), new Linear(512, 256, rng), new ReLU(), new Linear(256, 10, rng));
        Sequential cnn = new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(32 * 7 * 7, 128, rng), new ReLU(), new Linear(128, 10, rng));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "threads %s, load average %.2f%n", System.getProperty("backprop4j.threads", "default"), os.getSystemLoadAverage());
        for (Object[] m : new Object[][] {{"fmnist-mlp", mlp, new int[] {784}}, {"fmnist-cnn", cnn, new int[] {1, 28, 28}}}) {
            if (!only.isEmpty() && !only.equals(m[0])) continue;
            Sequential net = (Sequential) m[1];
            if (Boolean.getBoolean("eval")) net.setTraining(false);
            int[] sample = (int[]) m[2];
            InferencePlan[] plans = {InferencePlan.of(net, false), InferencePlan.of(net, true)};
            for (int batch : new int[] {1, 256}) {
                int[] shape = new int[sample.length + 1];
                shape[0] = batch;
                System.arraycopy(sample, 0, shape, 1, sample.length);
                Tensor x = Tensor.rand(rng, DType.FLOAT32, shape);
                if (!Arrays.equals(plans[0].predict(x).toFloatArray(), plans[1].predict(x).toFloatArray())) {
                    throw new IllegalStateException(m[0] + " batch " + batch + ": old and new differ");
                }
                int calls = batch == 1 ? 2000 : 20;
                double[][] wall = new double[2][rounds], cpu = new double[2][rounds], proc = new double[2][rounds], alloc = new double[2][rounds];
                for (int warm = 0; warm < 3; warm++) for (InferencePlan p : plans) for (int i = 0; i < calls * 5; i++) p.predict(x);
                long me = Thread.currentThread().threadId();
                for (int r = 0; r < rounds; r++) {
                    for (int v = 0; v < 2; v++) {
                        InferencePlan p = plans[(r & 1) == 0 ? v : 1 - v];
                        int which = (r & 1) == 0 ? v : 1 - v;
                        long a0 = threads.getThreadAllocatedBytes(me), c0 = threads.getCurrentThreadCpuTime(), p0 = os.getProcessCpuTime(), w0 = System.nanoTime();
                        for (int i = 0; i < calls; i++) p.predict(x);
                        long w1 = System.nanoTime(), p1 = os.getProcessCpuTime(), c1 = threads.getCurrentThreadCpuTime(), a1 = threads.getThreadAllocatedBytes(me);
                        wall[which][r] = (w1 - w0) / 1e3 / calls;
                        cpu[which][r] = (c1 - c0) / 1e3 / calls;
                        proc[which][r] = (p1 - p0) / 1e3 / calls;
                        alloc[which][r] = (double) (a1 - a0) / calls;
                    }
                }
                for (int v = 0; v < 2; v++) {
                    double w = median(wall[v]);
                    System.out.printf(Locale.ROOT, "%s batch %3d %s: wall %8.1f us/call (%9.0f samples/s), thread cpu %8.1f us, process cpu %8.1f us, %6.0f B/call%n",
                            m[0], batch, v == 0 ? "old" : "new", w, batch / w * 1e6, median(cpu[v]), median(proc[v]), median(alloc[v]));
                }
            }
        }
        System.out.printf(Locale.ROOT, "load average at the end %.2f%n", os.getSystemLoadAverage());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
