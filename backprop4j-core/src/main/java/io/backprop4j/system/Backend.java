package io.backprop4j.system;

import io.backprop4j.BackpropException;
import io.backprop4j.internal.kernel.Gemm;
import io.backprop4j.internal.kernel.Machine;
import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.internal.kernel.Simd;

/**
 * What backprop4j computes on: the processor, the vector width its kernels use, whether they
 * have fused multiply-add, how many threads they share the work between, and which BLAS (if any)
 * runs the matrix products. Benchmarks print it next to their figures, since the figures mean
 * little without it:
 *
 * <pre>{@code
 * System.out.println(Backend.current().summary());
 * // AMD EPYC (family 25, model 1, 512 KiB L2), 2 processors; 256-bit vectors (Vector API), FMA; 2 threads;
 * // BLAS: none: pure-Java Vector API kernels (float32 tile 5x16)
 * }</pre>
 *
 * <p>The settings it reflects: the JVM option {@code --add-modules jdk.incubator.vector} (without
 * it the kernels are scalar and {@link #vectorBits} is 0), {@code -XX:MaxVectorSize} and
 * {@code -XX:UseAVX} (the vector width), {@code -Dbackprop4j.threads} or
 * {@code BACKPROP4J_THREADS} (the threads), {@code -Dbackprop4j.blas} or {@code BACKPROP4J_BLAS}
 * (OpenBLAS or not).
 *
 * @param cpuModel   the processor's name (from /proc/cpuinfo), else the architecture; on x86 with its family
 *                   and model numbers and L2 size
 * @param processors the processors the JVM may use
 * @param vectorBits the width of the vectors the kernels use, in bits; 0 without the Vector API
 * @param vectorApi  whether the Vector API module is present (else scalar loops run)
 * @param fma        whether the processor has fused multiply-add
 * @param threads    the threads of the library's pool, the caller included
 * @param blas       which BLAS runs matrix products, in words ("none: pure-Java ..." when none does)
 */
public record Backend(String cpuModel, int processors, int vectorBits, boolean vectorApi, boolean fma, int threads,
                      String blas) {

    /**
     * The backend of this JVM. May load OpenBLAS, when BACKPROP4J_BLAS asks for it, to describe it.
     *
     * @throws BackpropException if a setting is unusable (see {@link #checkSettings()})
     */
    public static Backend current() {
        return new Backend(Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), Simd.vectorBits(),
                Simd.AVAILABLE, Machine.fma(), Parallel.threads(), Gemm.describe());
    }

    /**
     * Checks the settings read from the environment ({@code BACKPROP4J_THREADS} and
     * {@code -Dbackprop4j.threads}) without starting anything, so a program can refuse a bad value
     * at start-up, as it refuses a bad option.
     *
     * @throws BackpropException naming the setting, its value and what is expected, e.g.
     *         {@code BACKPROP4J_THREADS=abc: not a whole number; expected a whole number of threads from 1 to 16 (8 per processor, 2 here)}
     */
    public static void checkSettings() {
        Parallel.checkSettings();
    }

    /** The most threads the pool accepts: 8 per processor. */
    public static int maxThreads() {
        return Parallel.maxThreads();
    }

    /** One line: processor, vectors, FMA, threads, BLAS. */
    public String summary() {
        String vectors = vectorApi ? vectorBits + "-bit vectors (Vector API)"
                : "scalar loops (no Vector API: add the JVM option --add-modules jdk.incubator.vector)";
        return cpuModel + ", " + processors + " processors; " + vectors + ", " + (fma ? "FMA" : "no FMA") + "; "
                + threads + (threads == 1 ? " thread" : " threads") + "; BLAS: " + blas;
    }
}
