package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Linear;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tensor API a PyTorch user reaches for (issue 15): integer and boolean tensors, comparisons,
 * indexing, joining and splitting, creation. The differentiable ops among them are checked in
 * GradCheckTest and TorchAgreementTest; here the rest, the dtypes results take, and the messages.
 */
class TensorApiTest {
    @Test
    void int64HoldsIndicesAndPrintsAsPyTorch() {
        Tensor t = Tensor.of(new long[] {3, -1, 7}, 3);
        assertSame(DType.INT64, t.dtype());
        assertEquals("tensor([ 3, -1,  7])", t.toString());
        assertArrayEquals(new long[] {3, -1, 7}, t.toLongArray());
        assertArrayEquals(new int[] {0, 1, 2, 3}, Tensor.arange(4).toIntArray());
        assertSame(DType.INT64, Tensor.arange(4).dtype());
        assertThrows(BackpropException.class, () -> Tensor.of(new long[] {(1L << 53) + 1}, 1));
        assertThrows(BackpropException.class, () -> Tensor.indices(1, 2).requiresGrad(true));
        Tensor w = Tensor.zeros(DType.INT64, 2).fill_(2.9);
        assertArrayEquals(new long[] {2, 2}, w.toLongArray(), "a fraction written into int64 is truncated, as a cast does");
        assertEquals("tensor([0.5000, 2.0000, 3.5000])", Tensor.indices(1, 4, 7).div(2).toString(), "true division gives float32");
    }

    @Test
    void promotionFollowsPyTorch() {
        Tensor f = Tensor.of(new float[] {0.5f, 1.5f}, 2), i = Tensor.indices(1, 2), b = Tensor.of(new boolean[] {true, false}, 2);
        assertSame(DType.FLOAT32, f.add(i).dtype());
        assertArrayEquals(new double[] {1.5, 3.5}, f.add(i).toDoubleArray());
        assertSame(DType.INT64, i.mul(i).dtype());
        assertSame(DType.INT64, i.add(b).dtype());
        assertSame(DType.INT64, b.add(b).dtype());
        assertSame(DType.INT64, i.add(3).dtype());
        assertSame(DType.FLOAT32, i.add(0.5).dtype());
        assertSame(DType.FLOAT32, i.exp().dtype(), "math on integers gives floats");
        var e = assertThrows(BackpropException.class, () -> f.add(Tensor.vector(1, 2)));
        assertEquals("add: a float32 and a float64 tensor; convert the second with .to(DType.FLOAT32), or the first with"
                + " .to(DType.FLOAT64)", e.getMessage());
    }

    @Test
    void comparisonsGiveBoolsThatCount() {
        Tensor x = Tensor.vector(1, 5, 3, 5);
        Tensor big = x.gt(2);
        assertSame(DType.BOOL, big.dtype());
        assertEquals("tensor([False,  True,  True,  True])", big.toString());
        assertArrayEquals(new boolean[] {false, true, false, true}, x.eq(5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true, false}, x.ne(5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, false, false}, x.lt(3).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true, false}, x.le(3).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true, true}, x.ge(3).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, false, false}, big.logicalNot().toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false, true}, big.logicalAnd(x.eq(5)).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true, true}, big.logicalOr(x.eq(5)).toBooleanArray());
        Tensor accuracy = Tensor.indices(1, 0, 2, 2).eq(Tensor.indices(1, 1, 2, 0)).sum();
        assertSame(DType.INT64, accuracy.dtype());
        assertEquals(2.0, accuracy.item());
        assertArrayEquals(new boolean[] {true, false, false, false, false, true},
                Tensor.vector(1, 2).reshape(2, 1).eq(Tensor.vector(1, 3, 2)).toBooleanArray(), "comparisons broadcast");
        assertThrows(BackpropException.class, () -> big.mean(), "mean of bools needs a float conversion, as in PyTorch");
        assertNull(x.requiresGrad(true).gt(0).gradFn(), "comparisons are not recorded");
    }

    @Test
    void argmaxGivesInt64Indices() {
        Tensor x = Tensor.of(new double[][] {{1, 9, 3}, {7, 2, 7}});
        Tensor a = x.argmax(1, false);
        assertSame(DType.INT64, a.dtype());
        assertEquals("tensor([1, 0])", a.toString());
        assertArrayEquals(new int[] {0, 1}, x.argmin(1, false).toIntArray());
        assertEquals(9.0, x.max().item());
        assertEquals(1.0, x.min().item());
        assertArrayEquals(new double[] {1, 2}, x.min(1, false).toDoubleArray());
    }

    @Test
    void indexingWithIndexTensors() {
        Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(3, 4);
        assertArrayEquals(new double[] {8, 9, 10, 11, 0, 1, 2, 3}, x.index(Tensor.indices(2, 0)).toDoubleArray());
        assertArrayEquals(new double[] {3, 1, 7, 5, 11, 9}, x.indexSelect(1, Tensor.indices(3, 1)).toDoubleArray());
        assertArrayEquals(new double[] {4, 5, 6, 7}, x.select(0, 1).toDoubleArray());
        assertArrayEquals(new double[] {3, 7, 11}, x.select(1, -1).toDoubleArray());
        assertArrayEquals(new int[] {3}, x.select(1, 0).shape());
        assertArrayEquals(new double[] {1, 4, 11}, x.gather(1, Tensor.of(new int[] {1, 0, 3}, 3, 1)).toDoubleArray());
        var e = assertThrows(BackpropException.class, () -> x.index(Tensor.vector(1)));
        assertEquals("indexSelect: indices must be an int64 tensor, got float64; convert them with .to(DType.INT64)", e.getMessage());
        var g = assertThrows(ShapeException.class, () -> x.gather(1, Tensor.of(new int[] {4}, 1, 1)));
        assertTrue(g.getMessage().startsWith("gather: index 4 at [0, 0] is out of range for dim 1 of size 4"), g.getMessage());
        assertThrows(ShapeException.class, () -> x.gather(1, Tensor.indices(1)), "ranks differ");
        assertThrows(ShapeException.class, () -> x.gather(0, Tensor.of(new int[] {0, 0, 0, 0, 0}, 1, 5)), "larger than the input in dim 1");
        assertThrows(ShapeException.class, () -> x.select(0, 3));
        Tensor oneHot = Tensor.oneHot(Tensor.indices(2, 0), 3);
        assertEquals("tensor([[0, 0, 1],\n        [1, 0, 0]])", oneHot.toString());
        assertThrows(ShapeException.class, () -> Tensor.oneHot(Tensor.indices(3), 3));
    }

    @Test
    void joiningAndSplitting() {
        Tensor a = Tensor.vector(1, 2), b = Tensor.vector(3, 4);
        assertArrayEquals(new double[] {1, 2, 3, 4}, Tensor.stack(0, a, b).toDoubleArray());
        assertArrayEquals(new int[] {2, 2}, Tensor.stack(1, a, b).shape());
        assertArrayEquals(new double[] {1, 3, 2, 4}, Tensor.stack(1, a, b).toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 3, 4}, Tensor.cat(0, a, b).toDoubleArray());
        var e = assertThrows(ShapeException.class, () -> Tensor.stack(0, a, Tensor.vector(1, 2, 3)));
        assertEquals("stack: part 1 has shape [3], part 0 has [2]", e.getMessage());
        Tensor x = Tensor.arange(0, 7, 1, DType.FLOAT64);
        List<Tensor> pieces = x.split(3, 0);
        assertEquals(3, pieces.size());
        assertArrayEquals(new double[] {6}, pieces.get(2).toDoubleArray());
        assertTrue(pieces.get(1).sharesStorage(x), "pieces are views");
        List<Tensor> chunks = x.chunk(3, 0);
        assertEquals(List.of(3, 3, 1), chunks.stream().map(t -> t.size(0)).toList(), "PyTorch's sizes: ceil(7/3) each");
        assertThrows(BackpropException.class, () -> x.split(0, 0));
    }

    @Test
    void creation() {
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, Tensor.linspace(0, 1, 5, DType.FLOAT64).toDoubleArray());
        assertEquals(1.0, Tensor.linspace(-3, 1, 7, DType.FLOAT64).getFlat(6), "the last value is exactly the end");
        assertEquals(0, Tensor.linspace(0, 1, 0, DType.FLOAT64).numel());
        assertEquals("tensor([[7., 7.]])", Tensor.full(7, 1, 2).toString());
        assertEquals("tensor([2., 2.], dtype=float64)", Tensor.fullLike(Tensor.vector(0, 1), 2).toString());
    }

    @Test
    void clampAndExtremaKeepIntegersInteger() {
        assertSame(DType.INT64, Tensor.indices(-3, 5).clamp(0, 4).dtype());
        assertArrayEquals(new long[] {0, 4}, Tensor.indices(-3, 5).clamp(0, 4).toLongArray());
        assertSame(DType.FLOAT32, Tensor.indices(-3, 5).clamp(0, 4.5).dtype());
        assertArrayEquals(new double[] {3, 5}, Tensor.vector(1, 5).maximum(Tensor.vector(3, 2)).toDoubleArray());
        assertTrue(Double.isNaN(Tensor.vector(Double.NaN).maximum(Tensor.vector(1)).item()), "NaN wins");
        assertThrows(BackpropException.class, () -> Tensor.vector(1).clamp(2, 1));
    }

    @Test
    void inPlaceArithmeticCountsVersions() {
        Tensor x = Tensor.vector(1, 2, 3);
        x.add_(Tensor.vector(1, 1, 1)).mul_(2).sub_(Tensor.vector(0, 1, 0)).div_(2);
        assertArrayEquals(new double[] {2, 2.5, 4}, x.toDoubleArray());
        assertEquals(4, x.version());
        x.clamp_(2.2, 3).zero_();
        assertArrayEquals(new double[] {0, 0, 0}, x.toDoubleArray());
        var e = assertThrows(ShapeException.class, () -> Tensor.vector(1).add_(Tensor.vector(1, 2)));
        assertTrue(e.getMessage().startsWith("add_: the result has shape [2]"), e.getMessage());
        assertThrows(BackpropException.class, () -> Tensor.vector(1).requiresGrad(true).mul_(2));
    }

    @Test
    void probabilitiesOutsideZeroToOneAreRefused() {
        var e = assertThrows(BackpropException.class,
                () -> Losses.binaryCrossEntropy(Tensor.of(new double[][] {{0.5, 1.2}}), Tensor.of(new double[][] {{0, 1}})));
        assertEquals("binary_cross_entropy: the probability at [0, 1] is 1.2; probabilities must lie in [0, 1] (apply sigmoid"
                + " first, or use binaryCrossEntropyWithLogits on raw scores)", e.getMessage());
        var c = assertThrows(BackpropException.class,
                () -> Losses.crossEntropyProbs(Tensor.of(new double[][] {{-0.1, 1.1}}), Tensor.of(new double[][] {{0, 1}})));
        assertTrue(c.getMessage().startsWith("cross_entropy: the probability at [0, 0] is -0.1"), c.getMessage());
        var n = assertThrows(BackpropException.class, () -> Losses.nll(Tensor.of(new double[][] {{-1, 0.5}}), new int[] {0}));
        assertTrue(n.getMessage().startsWith("nll_loss: the log-probability at [0, 1] is 0.5"), n.getMessage());
        assertTrue(Double.isNaN(Losses.binaryCrossEntropy(Tensor.vector(Double.NaN), Tensor.vector(1)).item()),
                "NaN passes: a diverged computation is reported as such");
    }

    @Test
    void crossEntropyTakesInt64Targets() {
        Tensor logits = Tensor.of(new double[][] {{1, 2, 0}, {0.5, 0, 3}});
        assertEquals(Losses.crossEntropy(logits, new int[] {1, 2}).item(), Losses.crossEntropy(logits, Tensor.indices(1, 2)).item(), 0);
    }

    @Test
    void aLayerNamesTheConversionThatFitsItsInput() {
        Linear layer = new Linear(2, 1, new SplittableRandom(1));
        var e = assertThrows(BackpropException.class, () -> layer.forward(Tensor.of(new double[][] {{1, 2}})));
        assertEquals("Linear(in=2, out=1, bias=true): the input is float64 but the layer's weights are float32; convert the"
                + " input with x.to(DType.FLOAT32) (or build the layer in float64)", e.getMessage());
        assertTrue(layer.forward(Tensor.of(new double[][] {{1, 2}}).to(DType.FLOAT32)).requiresGrad());
    }
}
