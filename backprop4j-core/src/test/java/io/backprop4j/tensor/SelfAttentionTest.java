package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.ShapeException;
import io.backprop4j.nn.MultiheadAttention;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused self-attention against its composition from primitives (narrow, reshape, permute,
 * {@link Functional#scaledDotProductAttention}): values and gradients, float64 and float32, causal
 * and not; and MultiheadAttention's fused path against its general one (taken with a mask).
 */
class SelfAttentionTest {
    /** The heads split out, attended and put back side by side with primitives. */
    private static Tensor composed(Tensor qkv, int heads, boolean causal) {
        int n = qkv.size(0), t = qkv.size(1), e = qkv.size(2) / 3, d = e / heads;
        Tensor[] p = new Tensor[3];
        for (int i = 0; i < 3; i++) p[i] = qkv.narrow(2, i * e, e).reshape(n, t, heads, d).permute(0, 2, 1, 3);
        return Functional.scaledDotProductAttention(p[0], p[1], p[2], causal, null).permute(0, 2, 1, 3).reshape(n, t, e);
    }

    private static void agree(DType dtype, boolean causal, int n, int t, int heads, int d, double tol, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.randn(rng, dtype, n, t, 3 * heads * d);
        Tensor w = Tensor.randn(rng, dtype, n, t, heads * d);
        Tensor a = x.detach().requiresGrad(true), b = x.detach().requiresGrad(true);
        Tensor fused = Functional.selfAttention(a, heads, causal), plain = composed(b, heads, causal);
        fused.mul(w).sum().backward();
        plain.mul(w).sum().backward();
        close(plain, fused, tol, "values");
        close(b.grad(), a.grad(), tol, "gradients");
    }

    private static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(expected.numel(), actual.numel());
        Tensor e = expected.contiguousData(), a = actual.contiguousData();
        for (int i = 0; i < e.numel(); i++) {
            double x = e.getFlat(i), y = a.getFlat(i);
            assertEquals(x, y, tol * (1 + Math.abs(x)), what + " at " + i);
        }
    }

    @Test
    void matchesTheComposedOpsInFloat64() {
        agree(DType.FLOAT64, true, 3, 5, 2, 3, 1e-12, 1);
        agree(DType.FLOAT64, false, 2, 7, 3, 2, 1e-12, 2);
        agree(DType.FLOAT64, true, 1, 1, 1, 4, 1e-12, 3);
    }

    @Test
    void matchesTheComposedOpsInFloat32() {
        agree(DType.FLOAT32, true, 4, 16, 4, 16, 2e-5, 4);
        agree(DType.FLOAT32, false, 2, 9, 2, 5, 2e-5, 5);
    }

    @Test
    void multiheadAttentionFusedPathMatchesTheGeneralOne() {
        SplittableRandom rng = new SplittableRandom(6);
        MultiheadAttention attn = new MultiheadAttention(8, 2, true, 0.0, rng);
        Tensor x = Tensor.randn(rng, DType.FLOAT32, 3, 5, 8);
        Tensor none = Tensor.zeros(DType.BOOL, 5, 5);   // masks nothing, but takes the general path
        Tensor fused = attn.forward(x), general = attn.forward(x, x, x, none);
        close(general, fused, 1e-5, "module output");
    }

    @Test
    void refusesShapesThatDoNotSplit() {
        Tensor x = Tensor.zeros(DType.FLOAT32, 2, 3, 10);
        ShapeException e = assertThrows(ShapeException.class, () -> Functional.selfAttention(x, 2, true));
        assertEquals("self_attention: [2, 3, 10] does not split into q, k and v of 2 heads each", e.getMessage());
    }
}
