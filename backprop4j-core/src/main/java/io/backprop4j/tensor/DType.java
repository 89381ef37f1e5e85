package io.backprop4j.tensor;

/**
 * The element type of a tensor. {@link #FLOAT32} is the default and the one to train with;
 * {@link #FLOAT64} is for gradient checks and worked solutions, where every digit counts.
 * {@link #INT64} holds indices and class labels ({@code argmax}, {@code gather}, {@code oneHot},
 * cross-entropy targets) and {@link #BOOL} the results of comparisons; neither takes gradients.
 *
 * <p>Integer and boolean tensors keep their values in float64 storage: every integer up to 2⁵³ in
 * magnitude is exact (creating one with a larger value is refused), which covers every index and
 * label. Arithmetic promotes as PyTorch does: an integer or boolean operand takes the float dtype of
 * the other, integers stay integers under +, − and ×, and true division gives float32.
 */
public enum DType {
    FLOAT32(4, "F32", "float32"),
    FLOAT64(8, "F64", "float64"),
    INT64(8, "I64", "int64"),
    BOOL(1, "BOOL", "bool");

    /** The largest magnitude an {@link #INT64} tensor holds exactly. */
    public static final long MAX_EXACT_INTEGER = 1L << 53;

    private final int bytes;
    private final String safetensorsName;
    private final String shortName;

    DType(int bytes, String safetensorsName, String shortName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
        this.shortName = shortName;
    }

    /** Bytes per element in files (the in-memory storage of INT64 and BOOL is float64). */
    public int bytes() {
        return bytes;
    }

    /** The name the safetensors format uses ("F32", "F64", "I64", "BOOL"). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Whether this is FLOAT32 or FLOAT64: the dtypes that can require gradients. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** "float32", "float64", "int64" or "bool", as PyTorch and NumPy print it. */
    @Override
    public String toString() {
        return shortName;
    }
}
