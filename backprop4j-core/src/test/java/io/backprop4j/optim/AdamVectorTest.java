package io.backprop4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised float32 Adam/AdamW loop gives exactly what plain scalar code gives, tails included. */
class AdamVectorTest {
    @Test
    void vectorLoopIsBitIdenticalToScalarReference() {
        for (boolean decoupled : new boolean[] {false, true}) {
            for (int n : new int[] {1, 7, 16, 67, 1000}) {
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
}
