package io.backprop4j.tensor;

/**
 * The element type of a tensor. {@link #FLOAT32} is the default and the one to train with;
 * {@link #FLOAT64} is for gradient checks and worked solutions, where every digit counts.
 */
public enum DType {
    FLOAT32(4, "F32", "float32"),
    FLOAT64(8, "F64", "float64");

    private final int bytes;
    private final String safetensorsName;
    private final String shortName;

    DType(int bytes, String safetensorsName, String shortName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
        this.shortName = shortName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The name the safetensors format uses ("F32", "F64"). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** "float32" or "float64", as PyTorch and NumPy print it. */
    @Override
    public String toString() {
        return shortName;
    }
}
