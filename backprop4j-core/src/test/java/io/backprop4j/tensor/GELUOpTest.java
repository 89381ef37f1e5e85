package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.backprop4j.internal.kernel.Activations;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** GELUOp's float32 blocks give the bits of one call of the kernel over the whole tensor. */
class GELUOpTest {
    @Test
    void blocksMatchOneCallOverTheWholeTensor() {
        var rng = new SplittableRandom(16);
        for (int n : new int[] {1, 37, GELUOp.BLOCK, 2 * GELUOp.BLOCK + 37}) {
            float[] x = new float[n + 3], g = new float[n];
            for (int i = 0; i < x.length; i++) x[i] = (float) (3 * rng.nextGaussian());
            for (int i = 0; i < n; i++) g[i] = (float) rng.nextGaussian();
            float[] y = new float[n], cdf = new float[n], dx = new float[n];
            Activations.gelu(x, 3, y, 0, n, cdf, 0);
            Activations.geluBackward(g, 0, x, 3, cdf, 0, dx, 0, n);

            // from offset 3 of x's storage: a view, as the block offsets must add to it
            Tensor xt = Tensor.of(x, x.length).narrow(0, 3, n).detach().requiresGrad(true);
            Tensor out = xt.gelu();
            assertArrayEquals(y, out.contiguousData().floatArray(), "gelu, n " + n);
            out.backward(Tensor.of(g, n));
            assertArrayEquals(dx, xt.grad().contiguousData().floatArray(), "gelu backward, n " + n);

            try (var ng = NoGrad.enter()) {   // Φ afresh in the backward: recorded without it
                assertArrayEquals(y, Tensor.of(x, x.length).narrow(0, 3, n).gelu().contiguousData().floatArray(), "no grad, n " + n);
            }
        }
    }
}
