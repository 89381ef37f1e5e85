import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Bytes allocated per call and speed of {@code Gemm.sgemm} at the shapes training uses, for one
 * or more builds of the core side by side in one JVM (old and new interleaved, so that the load
 * of a shared machine hits both alike). Exits with status 1, naming the shape, when a build
 * allocates on the heap in a call after warm-up: a vector that C2 could not keep in registers
 * (or one it dispatched on a polluted type profile) is boxed on every use, which once cost 51 MB
 * per 144x32x25088 weight-gradient product.
 *
 * <pre>
 * mvn -B -o -q -pl backprop4j-core compile
 * java --add-modules jdk.incubator.vector -Dbackprop4j.threads=1 tools/bench/GemmCheck.java backprop4j-core/target/classes
 * java ... tools/bench/GemmCheck.java --time OLD_CLASSES NEW_CLASSES     (GFLOP/s by thread CPU time, A/B;
 *                                                                        with several threads, per CPU second of all threads)
 * java ... tools/bench/GemmCheck.java --shapes sq1024,wgrad NEW_CLASSES
 * java ... tools/bench/GemmCheck.java --mixed NEW_CLASSES     (float64 products first, as in a JVM that runs both)
 * java ... tools/bench/GemmCheck.java --packed NEW_CLASSES    (through Gemm.packB, once per shape, and the PackedB sgemm)
 * </pre>
 *
 * With more than one thread ({@code -Dbackprop4j.threads=2}) the pool's hand-offs allocate a few
 * hundred bytes per call (its job records); the check then counts all threads and allows 1 KiB.
 * It runs on the class path, where the core's internal packages are not closed.
 */
public final class GemmCheck {

    record Shape(String name, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        long flops() {
            return 2L * m * n * k;
        }
    }

    static final List<Shape> SHAPES = List.of(
            new Shape("sq256", false, false, 256, 256, 256, 1f, 0f),
            new Shape("sq1024", false, false, 1024, 1024, 1024, 1f, 0f),
            new Shape("sq1024tB", false, true, 1024, 1024, 1024, 1f, 0f),
            new Shape("sq2048", false, false, 2048, 2048, 2048, 1f, 0f),
            // the CNN's conv2 (32 filters of 3x3x16 over 14x14, batch 128): forward, weight gradient, input gradient
            new Shape("conv1fwd", false, false, 16, 100352, 9, 1f, 0f),
            new Shape("conv2fwd", false, false, 32, 25088, 144, 1f, 0f),
            new Shape("wgrad", false, true, 144, 32, 25088, 1f, 1f),
            new Shape("wgrad1", false, true, 9, 16, 100352, 1f, 1f),
            // Convolution's weight gradient per image: dWᵀ (+)= cols [144, 196] · dyᵀ [196, 32]
            new Shape("wgradimg", false, false, 144, 32, 196, 1f, 1f),
            new Shape("wgradB0", false, true, 32, 144, 25088, 1f, 0f),
            new Shape("igrad", true, false, 25088, 144, 32, 1f, 0f),
            // the MLP (batch 128, 784-512-256-10): forward, weight gradient, input gradient
            new Shape("mlpfwd", false, true, 128, 512, 784, 1f, 0f),
            new Shape("mlpwgrad", true, false, 512, 784, 128, 1f, 1f),
            new Shape("mlpigrad", false, false, 128, 784, 512, 1f, 0f),
            // the MLP as LinearOp runs it (x W with W [in, out]; dX = g W^T, dW = x^T g): its three layers
            new Shape("fwd1", false, false, 128, 512, 784, 1f, 1f),
            new Shape("fwd2", false, false, 128, 256, 512, 1f, 1f),
            new Shape("fwd3", false, false, 128, 10, 256, 1f, 1f),
            new Shape("dx2", false, true, 128, 512, 256, 1f, 0f),
            new Shape("dx3", false, true, 128, 256, 10, 1f, 0f),
            new Shape("dw1", true, false, 784, 512, 128, 1f, 0f),
            new Shape("dw2", true, false, 512, 256, 128, 1f, 0f),
            new Shape("dw3", true, false, 256, 10, 128, 1f, 0f),
            // the words LSTM (batch 64, window 16, 48 inputs, 128 hidden): the input product of the window,
            // a step's recurrent product (forward; backward with [W_hh | W_ih]), the weight gradients dW_ihᵀ, dW_hhᵀ
            new Shape("lstmin", false, true, 1024, 512, 48, 1f, 0f),
            new Shape("lstmstep", false, true, 32, 512, 128, 1f, 1f),
            new Shape("lstmback", false, false, 32, 176, 512, 1f, 0f),
            new Shape("lstmwih", true, false, 48, 512, 1024, 1f, 0f),
            new Shape("lstmwhh", true, false, 64, 512, 960, 1f, 0f),
            // k past one slice, odd sizes, a general alpha and beta
            new Shape("slicedk", false, false, 96, 80, 5000, 1f, 0f),
            new Shape("odd", false, false, 37, 53, 71, 1f, 0f),
            new Shape("oddtAB", true, true, 131, 257, 1031, 0.5f, 0.25f),
            new Shape("alphabeta", false, false, 256, 256, 256, 2f, 0.5f));

    /**
     * One build of the core: its Gemm.sgemm and dgemm, and where it has them (null where not), Gemm.packB
     * and the sgemm that takes its PackedB.
     */
    record Build(String name, MethodHandle sgemm, MethodHandle dgemm, MethodHandle packB, MethodHandle sgemmPacked) {
    }

    /** --packed: each product through Gemm.packB (once per shape, before the timed calls) and the PackedB sgemm. */
    private static boolean packed;

    /** The PackedB of each build for the shape being measured. */
    private static final java.util.Map<Build, Object> PACKED = new java.util.HashMap<>();

    public static void main(String[] args) throws Throwable {
        boolean time = false;
        boolean mixed = false;
        List<String> only = null;
        List<Build> builds = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--time" -> time = true;
                case "--mixed" -> mixed = true;
                case "--packed" -> packed = true;
                case "--shapes" -> only = Arrays.asList(args[++i].split(","));
                default -> builds.add(load(args[i]));
            }
        }
        if (builds.isEmpty()) {
            System.err.println("usage: GemmCheck [--time] [--shapes a,b] CLASSES_DIR...");
            System.exit(2);
        }
        int threads = Integer.getInteger("backprop4j.threads", 1);
        long allowed = threads == 1 ? 0 : 1024;
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "threads %d, load %s%n", threads,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (mixed) {
            // float64 products first, as a gradient check in the same JVM would run them: the Vector
            // API's shared call sites then see float64's vector shapes too
            for (Build build : builds) {
                double[] a = new double[512 * 784], b = new double[512 * 784], c = new double[512 * 512];
                long end = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < end) {
                    build.dgemm().invokeExact(false, true, 128, 512, 784, 1d, a, 0, 784, b, 0, 784, 0d, c, 0, 512);
                    build.dgemm().invokeExact(false, false, 128, 512, 784, 1d, a, 0, 784, b, 0, 512, 1d, c, 0, 512);
                    build.dgemm().invokeExact(false, false, 128, 512, 784, 2d, a, 0, 784, b, 0, 512, 0.5d, c, 0, 512);
                }
            }
        }
        List<String> failures = new ArrayList<>();
        for (Shape s : SHAPES) {
            if (only != null && !only.contains(s.name())) {
                continue;
            }
            SplittableRandom r = new SplittableRandom(s.m() * 31L + s.n() * 7L + s.k());
            float[] a = random(r, s.m() * s.k()), b = random(r, s.k() * s.n()), c = random(r, s.m() * s.n());
            int lda = s.transA() ? s.m() : s.k(), ldb = s.transB() ? s.k() : s.n();
            int calls = (int) Math.max(3, Math.min(20_000, 4e9 / s.flops()));
            for (Build build : builds) {
                if (packed && build.packB() == null) {
                    System.err.println("GemmCheck: --packed: " + build.name() + " has no Gemm.packB");
                    System.exit(2);
                }
                if (packed) {
                    Object packedB = (Object) build.packB().invokeExact(s.transB(), s.k(), s.n(), b, 0, ldb);
                    PACKED.put(build, packedB);
                }
                warmUp(build, s, a, lda, b, ldb, c);
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-10s %5dx%5dx%5d %s%s a=%s b=%s",
                    s.name(), s.m(), s.n(), s.k(), s.transA() ? "T" : "N", s.transB() ? "T" : "N", s.alpha(), s.beta()));
            for (Build build : builds) {
                // The least of the rounds, three and on until one allocates nothing (30 s at most): a
                // recompilation in one round, or a method C2 compiles late, is not a steady cost.
                int n = Math.max(3, calls / 4);
                long perCall = Long.MAX_VALUE;
                long until = System.nanoTime() + 30_000_000_000L;
                for (int round = 0; round < 3 || perCall > 0 && System.nanoTime() < until; round++) {
                    long before = allocated(mx, threads);
                    for (int i = 0; i < n; i++) {
                        call(build, s, a, lda, b, ldb, c);
                    }
                    perCall = Math.min(perCall, (allocated(mx, threads) - before) / n);
                }
                line.append(String.format(Locale.ROOT, "  %s: %d B/call", build.name(), perCall));
                if (perCall > allowed) {
                    failures.add(build.name() + " " + s.name() + ": " + perCall + " bytes allocated per call after warm-up");
                }
            }
            if (time) {
                double[][] gflops = new double[builds.size()][7];
                int n = (int) Math.max(1, Math.min(10_000, 1e9 / s.flops()));
                for (int round = 0; round < 7; round++) {
                    // Each round starts with the next build: the first of a round measured 3-5% faster
                    // than the same code second (the other's operands were the last in cache).
                    for (int j = 0; j < builds.size(); j++) {
                        int bi = (round + j) % builds.size();
                        long t0 = cpuTime(mx, threads);
                        for (int i = 0; i < n; i++) {
                            call(builds.get(bi), s, a, lda, b, ldb, c);
                        }
                        gflops[bi][round] = (double) s.flops() * n / (cpuTime(mx, threads) - t0);
                    }
                }
                for (int bi = 0; bi < builds.size(); bi++) {
                    double[] g = gflops[bi].clone();
                    Arrays.sort(g);
                    line.append(String.format(Locale.ROOT, "  %s: median %.1f best %.1f GFLOP/s", builds.get(bi).name(), g[3], g[6]));
                }
            }
            System.out.println(line);
        }
        System.out.printf(Locale.ROOT, "load %s%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (!failures.isEmpty()) {
            failures.forEach(f -> System.err.println("GemmCheck: " + f));
            System.exit(1);
        }
    }

    /**
     * Calls until C2 has settled: 6,000 calls or 15 s, whichever comes first, then on until the JIT
     * compiler has been idle for 1 s (30 s at most). A product calls some of its methods once per
     * call (packing B, for one), and until C2 has compiled them, C1's code boxes every vector:
     * 24 KB per 25088x144x32 call after 20 calls, from packB alone. C2 compiles a method called
     * once per call only after some 5,000 calls (before that, at most a loop inside it, which the
     * next call does not enter): 6.6 KB per 16x100352x9 call from packA after 2,000 calls.
     */
    private static void warmUp(Build build, Shape s, float[] a, int lda, float[] b, int ldb, float[] c) throws Throwable {
        var jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime(), lastCompile = start, compileMillis = jit.getTotalCompilationTime();
        for (int i = 1; ; i++) {
            call(build, s, a, lda, b, ldb, c);
            long now = System.nanoTime();
            if (jit.getTotalCompilationTime() != compileMillis) {
                compileMillis = jit.getTotalCompilationTime();
                lastCompile = now;
            }
            boolean enough = i >= 6000 || now - start >= 15_000_000_000L;
            if (enough && now - lastCompile >= 1_000_000_000L || now - start >= 30_000_000_000L) {
                return;
            }
        }
    }

    /** CPU time of this thread, or with several threads of all of them (the pool's workers too): GFLOP/s per CPU second. */
    private static long cpuTime(com.sun.management.ThreadMXBean mx, int threads) {
        if (threads == 1) {
            return mx.getCurrentThreadCpuTime();
        }
        long sum = 0;
        for (long t : mx.getThreadCpuTime(mx.getAllThreadIds())) {
            sum += Math.max(0, t);
        }
        return sum;
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, int threads) {
        return threads == 1 ? mx.getCurrentThreadAllocatedBytes() : mx.getTotalThreadAllocatedBytes();
    }

    private static void call(Build build, Shape s, float[] a, int lda, float[] b, int ldb, float[] c) throws Throwable {
        if (packed) {
            build.sgemmPacked().invokeExact(s.transA(), s.m(), s.alpha(), a, 0, lda, PACKED.get(build), s.beta(), c, 0, s.n());
            return;
        }
        build.sgemm().invokeExact(s.transA(), s.transB(), s.m(), s.n(), s.k(), s.alpha(), a, 0, lda, b, 0, ldb, s.beta(), c, 0, s.n());
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    private static Build load(String classes) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(classes).toUri().toURL()}, GemmCheck.class.getClassLoader().getParent());
        Class<?> gemm = loader.loadClass("io.backprop4j.internal.kernel.Gemm");
        MethodType type = MethodType.methodType(void.class, boolean.class, boolean.class, int.class, int.class, int.class,
                float.class, float[].class, int.class, int.class, float[].class, int.class, int.class, float.class,
                float[].class, int.class, int.class);
        String name = Path.of(classes).toAbsolutePath().normalize().toString();
        name = name.replaceFirst("/backprop4j-core/target/classes$", "").replaceFirst(".*/", "");
        MethodType dtype = MethodType.methodType(void.class, boolean.class, boolean.class, int.class, int.class, int.class,
                double.class, double[].class, int.class, int.class, double[].class, int.class, int.class, double.class,
                double[].class, int.class, int.class);
        MethodHandle packB = null, sgemmPacked = null;
        try {
            Class<?> packedB = loader.loadClass("io.backprop4j.internal.kernel.Gemm$PackedB");
            packB = MethodHandles.publicLookup().findStatic(gemm, "packB",
                    MethodType.methodType(packedB, boolean.class, int.class, int.class, float[].class, int.class, int.class));
            sgemmPacked = MethodHandles.publicLookup().findStatic(gemm, "sgemm", MethodType.methodType(void.class, boolean.class,
                    int.class, float.class, float[].class, int.class, int.class, packedB, float.class, float[].class, int.class, int.class));
            // Erased to Object, so that call() can invoke it exactly without knowing the build's class.
            packB = packB.asType(packB.type().changeReturnType(Object.class));
            sgemmPacked = sgemmPacked.asType(sgemmPacked.type().changeParameterType(6, Object.class));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            // a build from before Gemm.PackedB
        }
        return new Build(name, MethodHandles.publicLookup().findStatic(gemm, "sgemm", type),
                MethodHandles.publicLookup().findStatic(gemm, "dgemm", dtype), packB, sgemmPacked);
    }
}
