package io.backprop4j.internal.kernel;

/**
 * Batch normalisation over [N, C, S] arrays (S the positions of a channel in one sample: H·W for
 * images, 1 for feature vectors), per channel c, over its M = N·S values, as PyTorch's CPU kernels
 * compute it: statistics in float64, the output as {@code x·α + β'} with {@code α = invstd·γ},
 * {@code β' = β − mean·α}, and the backward pass
 * <pre>
 *   Σg = Σ dy,   dot = Σ (x − mean)·dy,   dγ = dot·invstd,   dβ = Σg
 *   dx = (dy − Σg/M − (x − mean)·dot·invstd²/M)·invstd·γ      (batch statistics)
 *   dx = dy·invstd·γ                                           (fixed statistics)
 * </pre>
 * Channels are spread over {@link Parallel}.
 */
public final class Normalization {
    private Normalization() {
    }

    // twin: float32 source
    /** mean[c] and the biased variance var[c] of each channel's M = n·plane values (two passes, float64 sums). */
    public static void stats(int n, int channels, int plane, float[] x, int xo, double[] mean, double[] var) {
        Parallel.forRange(channels, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += sum(x, xo + (i * channels + c) * plane, plane);
                }
                double m = s / ((double) n * plane);
                double q = 0;
                for (int i = 0; i < n; i++) {
                    int at = xo + (i * channels + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        double d = x[at + j] - m;
                        q += d * d;
                    }
                }
                mean[c] = m;
                var[c] = q / ((double) n * plane);
            }
        });
    }

    /** y = x·α + β' per channel (α = invstd·γ, β' = β − mean·α; γ = 1 and β = 0 when null). Writes y [n·channels·plane] from 0. */
    public static void forward(int n, int channels, int plane, float[] x, int xo, double[] mean, double[] invstd,
                               float[] gamma, int go, float[] beta, int bo, float[] y) {
        Parallel.forRange(channels, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double alpha = invstd[c] * (gamma == null ? 1 : gamma[go + c]);
                float a = (float) alpha, b = (float) ((beta == null ? 0 : beta[bo + c]) - mean[c] * alpha);
                for (int i = 0; i < n; i++) {
                    int at = (i * channels + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        y[at + j] = x[xo + at + j] * a + b;
                    }
                }
            }
        });
    }

    /**
     * The backward pass (see the class comment): dx [n·channels·plane] from 0 when not null, and
     * dGamma[c] = dot·invstd, dBeta[c] = Σg (either may be null). {@code batchStats}: the mean and
     * invstd were the batch's own, so dx carries their gradient too.
     */
    public static void backward(int n, int channels, int plane, float[] x, int xo, float[] dy, int dyo, double[] mean,
                                double[] invstd, float[] gamma, int go, boolean batchStats, float[] dx, double[] dGamma,
                                double[] dBeta) {
        double count = (double) n * plane;
        Parallel.forRange(channels, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double m = mean[c], sumG = 0, dot = 0;
                for (int i = 0; i < n; i++) {
                    int at = (i * channels + c) * plane;
                    sumG += sum(dy, dyo + at, plane);
                    for (int j = 0; j < plane; j++) {
                        dot += (x[xo + at + j] - m) * dy[dyo + at + j];
                    }
                }
                if (dGamma != null) {
                    dGamma[c] = dot * invstd[c];
                }
                if (dBeta != null) {
                    dBeta[c] = sumG;
                }
                if (dx == null) {
                    continue;
                }
                double w = gamma == null ? 1 : gamma[go + c], scale = invstd[c] * w;
                if (!batchStats) {
                    float s = (float) scale;
                    for (int i = 0; i < n; i++) {
                        int at = (i * channels + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            dx[at + j] = dy[dyo + at + j] * s;
                        }
                    }
                    continue;
                }
                // dx = (dy − Σg/M − (x − mean)·k)·invstd·γ with k = dot·invstd²/M, in PyTorch's order (x − mean first:
                // no cancellation of large terms when the mean is large).
                float k = (float) (dot * invstd[c] * invstd[c] / count), gm = (float) (sumG / count), mf = (float) m;
                float s = (float) scale;
                for (int i = 0; i < n; i++) {
                    int at = (i * channels + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        dx[at + j] = (dy[dyo + at + j] - gm - (x[xo + at + j] - mf) * k) * s;
                    }
                }
            }
        });
    }

    /** Σ a[from .. from + n) in float64: four float running sums per block of 1024 values (the JIT pipelines them), added in double. */
    static double sum(float[] a, int from, int n) {
        double total = 0;
        for (int b = 0; b < n; b += 1024) {
            int e = Math.min(n, b + 1024);
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            int j = b;
            for (; j + 4 <= e; j += 4) {
                s0 += a[from + j];
                s1 += a[from + j + 1];
                s2 += a[from + j + 2];
                s3 += a[from + j + 3];
            }
            for (; j < e; j++) {
                s0 += a[from + j];
            }
            total += (double) ((s0 + s1) + (s2 + s3));
        }
        return total;
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /** mean[c] and the biased variance var[c] of each channel's M = n·plane values (two passes, float64 sums). */
    public static void stats(int n, int channels, int plane, double[] x, int xo, double[] mean, double[] var) {
        Parallel.forRange(channels, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += sum(x, xo + (i * channels + c) * plane, plane);
                }
                double m = s / ((double) n * plane);
                double q = 0;
                for (int i = 0; i < n; i++) {
                    int at = xo + (i * channels + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        double d = x[at + j] - m;
                        q += d * d;
                    }
                }
                mean[c] = m;
                var[c] = q / ((double) n * plane);
            }
        });
    }

    /** y = x·α + β' per channel (α = invstd·γ, β' = β − mean·α; γ = 1 and β = 0 when null). Writes y [n·channels·plane] from 0. */
    public static void forward(int n, int channels, int plane, double[] x, int xo, double[] mean, double[] invstd,
                               double[] gamma, int go, double[] beta, int bo, double[] y) {
        Parallel.forRange(channels, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double alpha = invstd[c] * (gamma == null ? 1 : gamma[go + c]);
                double a = (double) alpha, b = (double) ((beta == null ? 0 : beta[bo + c]) - mean[c] * alpha);
                for (int i = 0; i < n; i++) {
                    int at = (i * channels + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        y[at + j] = x[xo + at + j] * a + b;
                    }
                }
            }
        });
    }

    /**
     * The backward pass (see the class comment): dx [n·channels·plane] from 0 when not null, and
     * dGamma[c] = dot·invstd, dBeta[c] = Σg (either may be null). {@code batchStats}: the mean and
     * invstd were the batch's own, so dx carries their gradient too.
     */
    public static void backward(int n, int channels, int plane, double[] x, int xo, double[] dy, int dyo, double[] mean,
                                double[] invstd, double[] gamma, int go, boolean batchStats, double[] dx, double[] dGamma,
                                double[] dBeta) {
        double count = (double) n * plane;
        Parallel.forRange(channels, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double m = mean[c], sumG = 0, dot = 0;
                for (int i = 0; i < n; i++) {
                    int at = (i * channels + c) * plane;
                    sumG += sum(dy, dyo + at, plane);
                    for (int j = 0; j < plane; j++) {
                        dot += (x[xo + at + j] - m) * dy[dyo + at + j];
                    }
                }
                if (dGamma != null) {
                    dGamma[c] = dot * invstd[c];
                }
                if (dBeta != null) {
                    dBeta[c] = sumG;
                }
                if (dx == null) {
                    continue;
                }
                double w = gamma == null ? 1 : gamma[go + c], scale = invstd[c] * w;
                if (!batchStats) {
                    double s = (double) scale;
                    for (int i = 0; i < n; i++) {
                        int at = (i * channels + c) * plane;
                        for (int j = 0; j < plane; j++) {
                            dx[at + j] = dy[dyo + at + j] * s;
                        }
                    }
                    continue;
                }
                // dx = (dy − Σg/M − (x − mean)·k)·invstd·γ with k = dot·invstd²/M, in PyTorch's order (x − mean first:
                // no cancellation of large terms when the mean is large).
                double k = (double) (dot * invstd[c] * invstd[c] / count), gm = (double) (sumG / count), mf = (double) m;
                double s = (double) scale;
                for (int i = 0; i < n; i++) {
                    int at = (i * channels + c) * plane;
                    for (int j = 0; j < plane; j++) {
                        dx[at + j] = (dy[dyo + at + j] - gm - (x[xo + at + j] - mf) * k) * s;
                    }
                }
            }
        });
    }

    /** Σ a[from .. from + n) in float64: four double running sums per block of 1024 values (the JIT pipelines them), added in double. */
    static double sum(double[] a, int from, int n) {
        double total = 0;
        for (int b = 0; b < n; b += 1024) {
            int e = Math.min(n, b + 1024);
            double s0 = 0d, s1 = 0d, s2 = 0d, s3 = 0d;
            int j = b;
            for (; j + 4 <= e; j += 4) {
                s0 += a[from + j];
                s1 += a[from + j + 1];
                s2 += a[from + j + 2];
                s3 += a[from + j + 3];
            }
            for (; j < e; j++) {
                s0 += a[from + j];
            }
            total += (double) ((s0 + s1) + (s2 + s3));
        }
        return total;
    }
    // twin: end
}
