package io.backprop4j.internal.kernel;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether the JDK's Vector API ({@code jdk.incubator.vector}) can be used, decided once when this
 * class is initialised and never through a class of that module: every class that touches the
 * Vector API ({@link FloatGemm}, {@link DoubleGemm}, {@link VectorLoops}, {@link ActivationsVector},
 * {@link SequencesVector}) is loaded only after
 * {@link #AVAILABLE} said yes, so a JVM started without {@code --add-modules jdk.incubator.vector}
 * runs the scalar loops instead of failing with {@code NoClassDefFoundError}. In that case one
 * warning line goes to standard error the first time a kernel is used.
 */
public final class Simd {

    /** The incubator module's name. */
    public static final String MODULE = "jdk.incubator.vector";

    /** True when the Vector API module is in the boot layer and readable by this class's module. */
    public static final boolean AVAILABLE = detect();

    /** The line printed when the module is missing. */
    public static final String WARNING = "backprop4j: the Vector API is not enabled; add the JVM option '--add-modules "
            + MODULE + "' (without it matrix products run 10-20x slower)";

    static {
        if (!AVAILABLE) {
            System.err.println(WARNING);
        }
    }

    private Simd() {
    }

    /** The bits of the vector shape the kernels use (e.g. 256 with AVX2), or 0 without the Vector API. */
    public static int vectorBits() {
        return AVAILABLE ? VectorLoops.vectorBits() : 0;
    }

    private static boolean detect() {
        Optional<Module> vector = ModuleLayer.boot().findModule(MODULE);
        return vector.isPresent() && Simd.class.getModule().canRead(vector.get());
    }

    /**
     * The vector registers C2 can allocate, from the architecture and the vector width in use:
     * 32 on AArch64 (NEON and SVE) and on x86 with 512-bit vectors (AVX-512), else 16 (AVX2, SSE,
     * and AVX-512 hardware capped at 256 bits, where 16 is the safe count).
     */
    public static int vectorRegisters(int vectorBits) {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            return 32;
        }
        return vectorBits >= 512 ? 32 : 16;
    }
}
