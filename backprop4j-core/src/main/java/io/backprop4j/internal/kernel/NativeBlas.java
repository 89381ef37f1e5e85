package io.backprop4j.internal.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Optional OpenBLAS ({@code cblas_sgemm}, {@code cblas_dgemm} from {@code libopenblas.so.0}),
 * called through the Foreign Function and Memory API. Never required: when the library is
 * missing, native access is refused, or anything else fails, it is silently unavailable and
 * {@link #status()} says why.
 *
 * <p>The system property {@code backprop4j.blas} (else the environment variable
 * {@code BACKPROP4J_BLAS}) chooses: {@code java} never loads it; {@code native} sends every
 * product above the tiny size to it when it loads; unset (or {@code auto}) uses it only for sizes
 * where it measured faster than the Java kernel. On the AVX-512 machine this was tuned on, the
 * Java kernel won everywhere (OpenBLAS 0.3.21 ran with its Haswell kernels), so {@code auto}
 * never loads it; it is there for machines where a native BLAS is stronger.
 *
 * <p>The library is looked up lazily, on the first product sent to it. Calls pass the Java
 * arrays themselves (a critical downcall with heap access), so nothing is copied; the garbage
 * collector waits for the call to return. Without {@code --enable-native-access=ALL-UNNAMED}
 * the JDK prints a one-time warning when the library is loaded.
 */
public final class NativeBlas {

    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    /**
     * Smallest m*n*k for which OpenBLAS is used, per precision; Long.MAX_VALUE where it never
     * measured faster than the Java kernel on the machine we tuned on. See {@link #wins}.
     */
    private static final long MIN_WORK_FLOAT = Long.MAX_VALUE;
    private static final long MIN_WORK_DOUBLE = Long.MAX_VALUE;

    private enum Mode { JAVA, AUTO, NATIVE }

    private static final Mode MODE = mode(System.getProperty("backprop4j.blas"), System.getenv("BACKPROP4J_BLAS"));

    private NativeBlas() {
    }

    /** Whether OpenBLAS was found and loaded; loads it on the first call. */
    public static boolean available() {
        return Holder.SGEMM != null;
    }

    /** One line for diagnostics: which library is in use, or why none is. */
    public static String status() {
        return Holder.STATUS;
    }

    /** Whether some float32 products go to OpenBLAS: BACKPROP4J_BLAS=native, or sizes where it wins (loads it to know). */
    public static boolean used() {
        return MODE != Mode.JAVA && (MODE == Mode.NATIVE || MIN_WORK_FLOAT != Long.MAX_VALUE) && available();
    }

    /** Whether {@link Gemm} should hand a product of this size to OpenBLAS; loads it only when the size qualifies. */
    static boolean wins(int m, int n, int k, boolean isDouble) {
        if (MODE == Mode.JAVA) {
            return false;
        }
        long min = MODE == Mode.NATIVE ? 0 : isDouble ? MIN_WORK_DOUBLE : MIN_WORK_FLOAT;
        return (long) m * n * k >= min && available();
    }

    private static Mode mode(String property, String env) {
        String value = property != null && !property.isBlank() ? property : env;
        if (value == null || value.isBlank()) {
            return Mode.AUTO;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "java" -> Mode.JAVA;
            case "native", "openblas" -> Mode.NATIVE;
            default -> Mode.AUTO;
        };
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} by {@code cblas_sgemm}, arguments as in
     * {@link Gemm#sgemm} (unchecked here).
     *
     * @throws IllegalStateException if OpenBLAS is not {@link #available()}
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        MethodHandle h = handle(Holder.SGEMM);
        try {
            h.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    MemorySegment.ofArray(a).asSlice(4L * aOff), lda,
                    MemorySegment.ofArray(b).asSlice(4L * bOff), ldb, beta,
                    MemorySegment.ofArray(c).asSlice(4L * cOff), ldc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The float64 twin of {@link #sgemm}, by {@code cblas_dgemm}. */
    static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                      double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        MethodHandle h = handle(Holder.DGEMM);
        try {
            h.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    MemorySegment.ofArray(a).asSlice(8L * aOff), lda,
                    MemorySegment.ofArray(b).asSlice(8L * bOff), ldb, beta,
                    MemorySegment.ofArray(c).asSlice(8L * cOff), ldc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MethodHandle handle(MethodHandle h) {
        if (h == null) {
            throw new IllegalStateException("OpenBLAS is not available: " + Holder.STATUS);
        }
        return h;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /** Loaded on first use (class initialisation is lazy and thread-safe). */
    @SuppressWarnings("restricted")
    private static final class Holder {
        static final MethodHandle SGEMM;
        static final MethodHandle DGEMM;
        static final String STATUS;

        static {
            MethodHandle s = null;
            MethodHandle d = null;
            String status;
            if (MODE == Mode.JAVA) {
                status = "disabled by backprop4j.blas / BACKPROP4J_BLAS = java";
            } else {
                try {
                    Linker linker = Linker.nativeLinker();
                    SymbolLookup lib = SymbolLookup.libraryLookup("libopenblas.so.0", Arena.global());
                    FunctionDescriptor fs = FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                            JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT);
                    FunctionDescriptor fd = FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                            JAVA_INT, JAVA_DOUBLE, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_DOUBLE, ADDRESS, JAVA_INT);
                    // critical(true): the arrays are passed in place, no copy into native memory.
                    Linker.Option heap = Linker.Option.critical(true);
                    MethodHandle s0 = linker.downcallHandle(find(lib, "cblas_sgemm"), fs, heap);
                    MethodHandle d0 = linker.downcallHandle(find(lib, "cblas_dgemm"), fd, heap);
                    status = "OpenBLAS (libopenblas.so.0)" + config(linker, lib);
                    s = s0;
                    d = d0;
                } catch (Throwable t) {
                    status = "unavailable: " + t;
                }
            }
            SGEMM = s;
            DGEMM = d;
            STATUS = status;
        }

        private static MemorySegment find(SymbolLookup lib, String name) {
            return lib.find(name).orElseThrow(() -> new IllegalStateException("libopenblas.so.0 has no " + name));
        }

        /** OpenBLAS's own description (version, core type, threads), when it offers one. */
        private static String config(Linker linker, SymbolLookup lib) {
            try {
                MemorySegment f = lib.find("openblas_get_config").orElse(null);
                if (f == null) {
                    return "";
                }
                MethodHandle h = linker.downcallHandle(f, FunctionDescriptor.of(ADDRESS));
                MemorySegment text = (MemorySegment) h.invokeExact();
                return ": " + text.reinterpret(256).getString(0);
            } catch (Throwable t) {
                return "";
            }
        }
    }
}
