package io.backprop4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vectorised float32 Adam/AdamW loop gives exactly what plain scalar code gives, tails included;
 * so does the update of a parameter large enough to be split between the pool's threads.
 */
class AdamVectorTest {
    @Test
    void vectorLoopIsBitIdenticalToScalarReference() {
        for (boolean decoupled : new boolean[] {false, true}) {
            for (int n : new int[] {1, 7, 16, 67, 1000, 200_003}) {
                SplittableRandom r = new SplittableRandom(n);
                float[] p0 = new float[n];
                for (int i = 0; i < n; i++) p0[i] = (float) r.nextGaussian();
                Parameter p = new Parameter(Tensor.of(p0.clone(), n));
                double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
                Optimizer opt = decoupled ? new AdamW(List.of(p), lr, b1, b2, eps, wd, false)
                        : new Adam(List.of(p), lr, b1, b2, eps, wd, false);
                float[] ref = p0.clone(), m = new float[n], v = new float[n];
                for (int t = 1; t <= 5; t++) {
                    float[] g = new float[n];
                    for (int i = 0; i < n; i++) g[i] = (float) r.nextGaussian();
                    p.setGrad(Tensor.of(g.clone(), n));
                    opt.step();
                    float stepSize = (float) (lr / (1 - Math.pow(b1, t)));
                    float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(b2, t));
                    for (int k = 0; k < n; k++) {
                        float pk = ref[k], gk = g[k];
                        if (decoupled) pk = pk * (float) (1 - lr * wd);
                        else gk = gk + (float) wd * pk;
                        m[k] = m[k] * (float) b1 + (float) (1 - b1) * gk;
                        v[k] = v[k] * (float) b2 + (float) (1 - b2) * gk * gk;
                        float denom = (float) Math.sqrt(v[k]) / bc2Sqrt + (float) eps;
                        ref[k] = pk + -stepSize * m[k] / denom;
                    }
                    assertArrayEquals(ref, p.toFloatArray(), "decoupled=" + decoupled + " n=" + n + " step " + t);
                }
            }
        }
    }

    @Test
    void largeFloat64ParameterSplitBetweenThreadsMatchesScalarReference() {
        int n = 150_001;
        SplittableRandom r = new SplittableRandom(3);
        double[] p0 = new double[n];
        for (int i = 0; i < n; i++) p0[i] = r.nextGaussian();
        Parameter p = new Parameter(Tensor.of(p0.clone(), n));
        double lr = 1e-2, b1 = 0.8, b2 = 0.99, eps = 1e-8, wd = 0.01;
        Optimizer opt = new Adam(List.of(p), lr, b1, b2, eps, wd, false);
        double[] ref = p0.clone(), m = new double[n], v = new double[n];
        for (int t = 1; t <= 3; t++) {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) g[i] = r.nextGaussian();
            p.setGrad(Tensor.of(g.clone(), n));
            opt.step();
            double stepSize = lr / (1 - Math.pow(b1, t));
            double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
            for (int k = 0; k < n; k++) {
                double gk = g[k] + wd * ref[k];
                m[k] = m[k] * b1 + (1 - b1) * gk;
                v[k] = v[k] * b2 + (1 - b2) * gk * gk;
                ref[k] = ref[k] + -stepSize * m[k] / (Math.sqrt(v[k]) / bc2Sqrt + eps);
            }
            assertArrayEquals(ref, p.toDoubleArray(), "step " + t);
        }
    }
}
