package io.backprop4j.internal.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Facts about the processor the kernels run on, read once from Linux's /proc and /sys (elsewhere
 * the values are unknown: an empty model, no flags, size -1). Touches no Vector API class.
 */
public final class Machine {

    private static final List<String> CPUINFO = read(Path.of("/proc/cpuinfo"));
    private static final String MODEL = field("model name", field("Model", ""));
    /** x86's "cpu family" and "model" numbers, empty elsewhere. */
    private static final String FAMILY = field("cpu family", "");
    private static final String MODEL_NUMBER = field("model", "");
    private static final String FLAGS = " " + field("flags", field("Features", "")) + " ";
    private static final long L2 = cacheBytes(2);

    private Machine() {
    }

    /**
     * The processor's name, e.g. "AMD EPYC 7B13", else the architecture (os.arch); on x86 followed by
     * its family and model numbers and L2 size, e.g. "AMD EPYC (family 25, model 1, 512 KiB L2)": a
     * virtual machine's name is often only "AMD EPYC", which is Zen 3 at family 25 and Zen 5 at 26,
     * and the figures of the two differ by half.
     */
    public static String cpuModel() {
        return describe(MODEL.isBlank() ? System.getProperty("os.arch", "unknown") : MODEL, FAMILY, MODEL_NUMBER, L2);
    }

    /** {@link #cpuModel} from the fields read: the numbers only when both are numbers, the L2 only when known. */
    static String describe(String name, String family, String model, long l2Bytes) {
        String trimmed = name.replaceAll("\\s+", " ").trim();
        if (!family.matches("[0-9]+") || !model.matches("[0-9]+")) {
            return trimmed;
        }
        return trimmed + " (family " + family + ", model " + model + (l2Bytes > 0 ? ", " + (l2Bytes >> 10) + " KiB L2" : "") + ")";
    }

    /**
     * Whether the processor has fused multiply-add, which the GEMM micro-kernels need to be fast
     * (the Vector API emulates {@code fma} lane by lane without it): the x86 {@code fma} flag;
     * always on AArch64, whose SIMD unit has it.
     */
    public static boolean fma() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return arch.equals("aarch64") || arch.equals("arm64") || FLAGS.contains(" fma ");
    }

    /** The first core's L2 cache in bytes, or -1 when unknown. */
    public static long l2Bytes() {
        return L2;
    }

    private static List<String> read(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The value of the first "name : value" line of /proc/cpuinfo, else the fallback. */
    private static String field(String name, String fallback) {
        for (String line : CPUINFO) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return fallback;
    }

    /** The size of cpu0's unified or data cache of this level, from /sys, or -1. */
    private static long cacheBytes(int level) {
        for (int index = 0; index < 8; index++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            List<String> lvl = read(dir.resolve("level"));
            List<String> type = read(dir.resolve("type"));
            List<String> size = read(dir.resolve("size"));
            if (lvl.isEmpty() || size.isEmpty() || type.isEmpty() || !lvl.get(0).trim().equals(Integer.toString(level))
                    || type.get(0).trim().equals("Instruction")) {
                continue;
            }
            String s = size.get(0).trim().toUpperCase(Locale.ROOT);
            try {
                long unit = s.endsWith("K") ? 1 << 10 : s.endsWith("M") ? 1 << 20 : 1;
                return Long.parseLong(s.replaceAll("[^0-9]", "")) * unit;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
