package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DatasetTest {
    @Test
    void subsetCopiesRowsInIndexOrder() {
        Dataset data = new Dataset(Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 3, 2), new int[] {2, 0, 1}, null,
                new String[] {"a", "b", "c"}, new String[] {"f", "g"});
        Dataset s = data.subset(new int[] {2, 0, 2});
        assertArrayEquals(new float[] {4, 5, 0, 1, 4, 5}, s.features().toFloatArray());
        assertArrayEquals(new int[] {1, 2, 1}, s.labels());
        assertArrayEquals(new String[] {"f", "g"}, s.featureNames());
        assertEquals(3, s.numClasses());
        assertEquals(2, s.numFeatures());
        assertEquals("Dataset(size=3, features=2, classes=3)", s.toString());
        assertThrows(BackpropException.class, () -> data.subset(new int[] {3}));
    }

    @Test
    void validatesItsParts() {
        Tensor f = Tensor.of(new float[] {0, 1, 2, 3}, 2, 2);
        assertThrows(BackpropException.class, () -> Dataset.classification(f, new int[] {0}, null));
        assertThrows(BackpropException.class, () -> Dataset.classification(f, new int[] {0, 2}, new String[] {"a", "b"}));
        assertThrows(BackpropException.class, () -> Dataset.classification(f, new int[] {0, -1}, null));
        assertThrows(BackpropException.class, () -> Dataset.classification(Tensor.zeros(DType.FLOAT64, 2, 2), new int[] {0, 1}, null));
        assertThrows(BackpropException.class, () -> Dataset.classification(Tensor.zeros(DType.FLOAT32, 4), new int[] {0, 1}, null));
        assertThrows(BackpropException.class, () -> Dataset.regression(f, Tensor.zeros(DType.FLOAT32, 3)));
        assertEquals(5, Dataset.classification(f, new int[] {4, 1}, null).numClasses());
    }
}
