package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The batch-norm kernels (statistics, forward, backward; float32 and float64) against the formulas written as plain loops, on odd shapes. */
class NormalizationTest {

    @Test
    void everyKernelAgreesWithTheDefinition() {
        SplittableRandom r = new SplittableRandom(21);
        int[][] shapes = {{1, 1, 2}, {7, 3, 5}, {2, 4, 1}, {3, 2, 1025}, {5, 1, 33}};
        for (int[] s : shapes) {
            int n = s[0], c = s[1], plane = s[2], m = n * plane;
            double[] x = new double[n * c * plane], dy = new double[x.length], gamma = new double[c], beta = new double[c];
            for (int i = 0; i < x.length; i++) { x[i] = 3 + 2 * r.nextGaussian(); dy[i] = r.nextGaussian(); }
            for (int i = 0; i < c; i++) { gamma[i] = r.nextGaussian(); beta[i] = r.nextGaussian(); }
            double[] mean = new double[c], var = new double[c], invstd = new double[c];
            double[] y = new double[x.length], dxBatch = new double[x.length], dxFixed = new double[x.length], dg = new double[c], db = new double[c];
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int i = 0; i < n; i++) for (int j = 0; j < plane; j++) sum += x[(i * c + ch) * plane + j];
                mean[ch] = sum / m;
                for (int i = 0; i < n; i++) for (int j = 0; j < plane; j++) sq += Math.pow(x[(i * c + ch) * plane + j] - mean[ch], 2);
                var[ch] = sq / m;
                invstd[ch] = 1 / Math.sqrt(var[ch] + 1e-5);
                double sumG = 0, sumGx = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < plane; j++) {
                        int at = (i * c + ch) * plane + j;
                        double xhat = (x[at] - mean[ch]) * invstd[ch];
                        y[at] = xhat * gamma[ch] + beta[ch];
                        sumG += dy[at];
                        sumGx += dy[at] * xhat;
                    }
                }
                dg[ch] = sumGx;
                db[ch] = sumG;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < plane; j++) {
                        int at = (i * c + ch) * plane + j;
                        double xhat = (x[at] - mean[ch]) * invstd[ch];
                        dxBatch[at] = (dy[at] - sumG / m - xhat * sumGx / m) * invstd[ch] * gamma[ch];
                        dxFixed[at] = dy[at] * invstd[ch] * gamma[ch];
                    }
                }
            }
            String name = n + "x" + c + "x" + plane;
            for (boolean f32 : new boolean[] {false, true}) {
                double tol = f32 ? 2e-4 : 1e-11;
                double[] km = new double[c], kv = new double[c], kdg = new double[c], kdb = new double[c];
                double[] ky, kdx, kdxFixed;
                if (f32) {
                    float[] xf = floats(x), dyf = floats(dy), gf = floats(gamma), bf = floats(beta);
                    float[] yf = new float[x.length], dxf = new float[x.length], dxff = new float[x.length];
                    Normalization.stats(n, c, plane, xf, 0, km, kv);
                    Normalization.forward(n, c, plane, xf, 0, mean, invstd, gf, 0, bf, 0, yf);
                    Normalization.backward(n, c, plane, xf, 0, dyf, 0, mean, invstd, gf, 0, true, dxf, kdg, kdb);
                    Normalization.backward(n, c, plane, xf, 0, dyf, 0, mean, invstd, gf, 0, false, dxff, null, null);
                    ky = doubles(yf);
                    kdx = doubles(dxf);
                    kdxFixed = doubles(dxff);
                } else {
                    ky = new double[x.length];
                    kdx = new double[x.length];
                    kdxFixed = new double[x.length];
                    Normalization.stats(n, c, plane, x, 0, km, kv);
                    Normalization.forward(n, c, plane, x, 0, mean, invstd, gamma, 0, beta, 0, ky);
                    Normalization.backward(n, c, plane, x, 0, dy, 0, mean, invstd, gamma, 0, true, kdx, kdg, kdb);
                    Normalization.backward(n, c, plane, x, 0, dy, 0, mean, invstd, gamma, 0, false, kdxFixed, null, null);
                }
                String at = name + (f32 ? " float32 " : " float64 ");
                close(at + "mean", mean, km, tol);
                close(at + "var", var, kv, tol);
                close(at + "y", y, ky, tol);
                close(at + "dx (batch statistics)", dxBatch, kdx, tol);
                close(at + "dx (fixed statistics)", dxFixed, kdxFixed, tol);
                close(at + "dgamma", dg, kdg, tol * Math.sqrt(m));
                close(at + "dbeta", db, kdb, tol * Math.sqrt(m));
            }
        }
    }

    private static void close(String what, double[] e, double[] a, double tol) {
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + " " + i);
    }

    private static float[] floats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    private static double[] doubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
