package io.backprop4j.internal.kernel;

import java.util.Random;

/**
 * A quick GFLOP/s probe for {@link Gemm} (JMH lives in backprop4j-bench): square products,
 * best of several timed runs. Usage, from the test classpath:
 * {@code java --add-modules jdk.incubator.vector -Dbackprop4j.threads=2 [-Dta=true] [-Dtb=true] -cp ... io.backprop4j.internal.kernel.GemmBench [s|d|n|nd] [n...]}
 * (s, d: Gemm float/double; n, nd: OpenBLAS float/double, needs --enable-native-access=ALL-UNNAMED to be quiet).
 */
public final class GemmBench {

    /** -Dmr=4 or 8: that micro-kernel instead of the machine's (float only). */
    private static final int MR = Integer.getInteger("mr", 0);

    /** -Dcpu=true: time by this thread's CPU time (one thread only), which a busy machine disturbs less than the wall clock. */
    private static final boolean CPU = Boolean.getBoolean("cpu");

    private static long now() {
        return CPU ? java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() : System.nanoTime();
    }

    private GemmBench() {
    }

    public static void main(String[] args) {
        boolean dbl = args.length > 0 && args[0].equals("d");
        boolean nat = args.length > 0 && args[0].startsWith("n");
        int[] sizes = {256, 512, 1024, 2048};
        if (args.length > 1) {
            sizes = new int[args.length - 1];
            for (int i = 1; i < args.length; i++) {
                sizes[i - 1] = Integer.parseInt(args[i]);
            }
        }
        boolean ta = Boolean.getBoolean("ta");
        boolean tb = Boolean.getBoolean("tb");
        System.out.println("threads=" + Parallel.threads() + " transA=" + ta + " transB=" + tb);
        Random rnd = new Random(1);
        // -Dmk=M,K: products M x n x K (n from the size list) instead of squares, e.g. -Dmk=128,256 for a training shape.
        String[] mk = System.getProperty("mk", "").split(",");
        for (int n : sizes) {
            int m = mk.length == 2 ? Integer.parseInt(mk[0]) : n, k = mk.length == 2 ? Integer.parseInt(mk[1]) : n;
            double flops = 2.0 * m * n * k;
            int reps = (int) Math.max(3, Math.min(200, 3e10 / flops));
            double best = Double.MAX_VALUE;
            if (dbl || args.length > 0 && args[0].equals("nd")) {
                double[] a = new double[n * n], b = new double[n * n], c = new double[n * n];
                for (int i = 0; i < a.length; i++) {
                    a[i] = rnd.nextDouble();
                    b[i] = rnd.nextDouble();
                }
                for (int round = 0; round < 5; round++) {
                    long t0 = now();
                    for (int r = 0; r < reps; r++) {
                        if (nat) {
                            NativeBlas.dgemm(ta, tb, n, n, n, 1, a, 0, n, b, 0, n, 0, c, 0, n);
                        } else {
                            Gemm.dgemm(ta, tb, n, n, n, 1, a, 0, n, b, 0, n, 0, c, 0, n);
                        }
                    }
                    best = Math.min(best, (now() - t0) / (double) reps);
                }
            } else {
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                int lda = ta ? m : k, ldb = tb ? k : n;
                for (int i = 0; i < a.length; i++) {
                    a[i] = rnd.nextFloat();
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = rnd.nextFloat();
                }
                for (int round = 0; round < 5; round++) {
                    long t0 = now();
                    for (int r = 0; r < reps; r++) {
                        if (nat) {
                            NativeBlas.sgemm(ta, tb, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n);
                        } else {
                            if (MR > 0) {
                                FloatGemm.gemm(MR, ta, tb, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n);
                            } else {
                                Gemm.sgemm(ta, tb, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n);
                            }
                        }
                    }
                    best = Math.min(best, (now() - t0) / (double) reps);
                }
            }
            System.out.printf("%s n=%d: %.1f GFLOP/s (%.3f ms)%n", dbl ? "dgemm" : nat ? "native" : "sgemm", n, flops / best, best / 1e6);
        }
    }
}
