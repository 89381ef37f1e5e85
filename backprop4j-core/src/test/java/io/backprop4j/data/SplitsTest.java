package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitsTest {
    @Test
    void partitionsAllIndicesReproducibly() {
        int[][] a = Splits.indices(100, null, 0.7, 0.15, new SplittableRandom(9));
        int[][] b = Splits.indices(100, null, 0.7, 0.15, new SplittableRandom(9));
        for (int k = 0; k < 3; k++) assertArrayEquals(a[k], b[k]);
        assertEquals(70, a[0].length);
        assertEquals(15, a[1].length);
        assertEquals(15, a[2].length);
        int[] all = IntStream.concat(IntStream.concat(IntStream.of(a[0]), IntStream.of(a[1])), IntStream.of(a[2])).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 100).toArray(), all);
    }

    @Test
    void stratifiedKeepsClassProportions() {
        int[] labels = new int[200];
        for (int i = 0; i < 200; i++) labels[i] = i < 160 ? 0 : 1; // 80% / 20%
        int[][] parts = Splits.indices(200, labels, 0.5, 0.25, new SplittableRandom(1));
        int[] expectedOnes = {20, 10, 10};
        for (int k = 0; k < 3; k++) {
            long ones = IntStream.of(parts[k]).filter(i -> labels[i] == 1).count();
            assertEquals(expectedOnes[k], ones, "split " + k);
        }
    }

    @Test
    void noValidationNoTestAndBadFractions() {
        DataSplits s = Splits.split(DataLoaderTest.numbered(10), 0.8, 0, false, new SplittableRandom(0));
        assertNull(s.validation());
        assertEquals(8, s.train().size());
        assertEquals(2, s.test().size());
        DataSplits all = Splits.split(DataLoaderTest.numbered(10), 1.0, 0, false, new SplittableRandom(0));
        assertNull(all.test());
        assertEquals(10, all.train().size());
        assertThrows(BackpropException.class, () -> Splits.indices(10, null, 0, 0.1, new SplittableRandom(0)));
        assertThrows(BackpropException.class, () -> Splits.indices(10, null, 0.8, 0.3, new SplittableRandom(0)));
        assertThrows(BackpropException.class, () -> Splits.indices(10, null, Double.NaN, 0, new SplittableRandom(0)));
        Dataset regression = Dataset.regression(Tensor.of(new float[4], 4, 1), Tensor.of(new float[4], 4));
        assertThrows(BackpropException.class, () -> Splits.split(regression, 0.5, 0.25, true, new SplittableRandom(0)));
    }
}
