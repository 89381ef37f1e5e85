package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    /** n examples of 3 features: example i holds (i, 10i, 100i) and label i % 4. */
    static Dataset numbered(int n) {
        float[] f = new float[n * 3];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            f[3 * i] = i;
            f[3 * i + 1] = 10 * i;
            f[3 * i + 2] = 100 * i;
            labels[i] = i % 4;
        }
        return Dataset.classification(Tensor.of(f, n, 3), labels, null);
    }

    private static List<DataLoader.Batch> all(DataLoader loader, int epoch) {
        List<DataLoader.Batch> out = new ArrayList<>();
        loader.epoch(epoch).forEach(out::add);
        return out;
    }

    @Test
    void inOrderWithoutShuffling() {
        DataLoader loader = new DataLoader(numbered(10), 4);
        List<DataLoader.Batch> batches = all(loader, 0);
        assertEquals(3, batches.size());
        assertEquals(3, loader.batchCount());
        assertArrayEquals(new int[] {0, 1, 2, 3}, batches.get(0).indices());
        assertArrayEquals(new int[] {8, 9}, batches.get(2).indices());
        assertArrayEquals(new int[] {2, 3}, batches.get(2).features().shape());
        assertArrayEquals(new float[] {8, 80, 800, 9, 90, 900}, batches.get(2).features().toFloatArray());
        assertArrayEquals(new int[] {0, 1}, batches.get(2).labels());
        assertNull(batches.get(2).targets());
        assertEquals(2, all(loader.dropLast(), 0).size());
    }

    @Test
    void everyExampleExactlyOncePerEpochAndRowsStayWhole() {
        Dataset data = numbered(103);
        DataLoader loader = new DataLoader(data, 10).shuffled(7);
        for (int epoch = 0; epoch < 5; epoch++) {
            int[] seen = new int[103];
            for (DataLoader.Batch b : loader.epoch(epoch)) {
                float[] f = b.features().toFloatArray();
                for (int k = 0; k < b.size(); k++) {
                    int i = b.indices()[k];
                    seen[i]++;
                    assertArrayEquals(new float[] {i, 10 * i, 100 * i}, Arrays.copyOfRange(f, 3 * k, 3 * k + 3));
                    assertEquals(i % 4, b.labels()[k]);
                }
            }
            for (int count : seen) assertEquals(1, count);
        }
        int covered = 0;
        for (DataLoader.Batch b : loader.dropLast().epoch(0)) covered += b.size();
        assertEquals(100, covered);
    }

    @Test
    void orderIsAFunctionOfSeedAndEpochOnly() {
        Dataset data = numbered(50);
        DataLoader a = new DataLoader(data, 8).shuffled(42);
        DataLoader b = new DataLoader(data, 8).shuffled(42);
        // b visits epochs in another order, as a resumed run would
        int[] b3 = b.order(3);
        int[] b0 = b.order(0);
        assertArrayEquals(a.order(0), b0);
        assertArrayEquals(a.order(3), b3);
        assertFalse(Arrays.equals(a.order(0), a.order(1)), "epochs differ");
        assertFalse(Arrays.equals(a.order(0), new DataLoader(data, 8).shuffled(43).order(0)), "seeds differ");
        List<DataLoader.Batch> epoch2 = all(a, 2);
        for (int k = 0; k < epoch2.size(); k++) {
            assertArrayEquals(epoch2.get(k).indices(), b.batch(2, k).indices(), "resume at batch " + k);
            assertEquals(2, b.batch(2, k).epoch());
            assertEquals(k, b.batch(2, k).index());
        }
        DataLoader fromRng = new DataLoader(data, 8).shuffled(new SplittableRandom(5));
        DataLoader fromRngAgain = new DataLoader(data, 8).shuffled(new SplittableRandom(5));
        assertArrayEquals(fromRng.order(4), fromRngAgain.order(4));
    }

    @Test
    void regressionTargetsFollowTheirRows() {
        float[] f = {0, 1, 2, 3, 4, 5};
        Dataset data = Dataset.regression(Tensor.of(f, 3, 2), Tensor.of(new float[] {10, 11, 12, 20, 21, 22}, 3, 2));
        for (DataLoader.Batch b : new DataLoader(data, 2).shuffled(1).epoch(0)) {
            float[] t = b.targets().toFloatArray();
            for (int k = 0; k < b.size(); k++) {
                int i = b.indices()[k];
                assertEquals(data.targets().toFloatArray()[2 * i], t[2 * k]);
                assertEquals(data.targets().toFloatArray()[2 * i + 1], t[2 * k + 1]);
            }
            assertNull(b.labels());
        }
    }

    @Test
    void refusesBadArguments() {
        assertThrows(BackpropException.class, () -> new DataLoader(numbered(3), 0));
        assertThrows(BackpropException.class, () -> new DataLoader(numbered(3), 2).batch(0, 2));
        assertThrows(BackpropException.class, () -> new DataLoader(numbered(3), 2).order(-1));
        assertEquals(0, all(new DataLoader(numbered(0), 2), 0).size());
    }
}
