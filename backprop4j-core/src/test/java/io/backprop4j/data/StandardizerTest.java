package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StandardizerTest {
    @Test
    void fitsMeanAndPopulationStdAndMapsConstantColumnsToZero() {
        // column 0: 1, 2, 3, 4 -> mean 2.5, std sqrt(1.25); column 1 constant
        Tensor x = Tensor.of(new float[] {1, 7, 2, 7, 3, 7, 4, 7}, 4, 2);
        Standardizer s = Standardizer.fit(x);
        assertArrayEquals(new float[] {2.5f, 7}, s.mean());
        assertArrayEquals(new float[] {(float) Math.sqrt(1.25), 1}, s.std());
        float[] z = s.apply(x).toFloatArray();
        float unit = (float) (1 / Math.sqrt(1.25));
        assertArrayEquals(new float[] {-1.5f * unit, 0, -0.5f * unit, 0, 0.5f * unit, 0, 1.5f * unit, 0}, z, 1e-6f);
        assertArrayEquals(new float[] {1, 7, 2, 7, 3, 7, 4, 7}, x.toFloatArray(), "input unchanged");
    }

    @Test
    void fittedOnTrainOnlyAndAppliedToAllSplits() {
        Dataset all = Datasets.embedded("iris");
        DataSplits splits = Datasets.defaultSplit(all);
        Standardizer s = Standardizer.fit(splits.train());
        DataSplits z = splits.standardized(s);
        double[] trainZ = z.train().features().toDoubleArray();
        int d = 4;
        for (int j = 0; j < d; j++) {
            double mean = 0;
            double sq = 0;
            int n = z.train().size();
            for (int i = 0; i < n; i++) mean += trainZ[i * d + j] / n;
            for (int i = 0; i < n; i++) sq += (trainZ[i * d + j] - mean) * (trainZ[i * d + j] - mean) / n;
            assertEquals(0, mean, 1e-5, "train mean of feature " + j);
            assertEquals(1, Math.sqrt(sq), 1e-5, "train std of feature " + j);
        }
        // the test split is transformed with the train statistics, not its own
        float[] raw = splits.test().features().toFloatArray();
        float[] tz = z.test().features().toFloatArray();
        for (int k = 0; k < raw.length; k++) {
            assertEquals((raw[k] - s.mean()[k % d]) / s.std()[k % d], tz[k], 1e-6);
        }
        assertArrayEquals(splits.test().labels(), z.test().labels());
        Standardizer ownTest = Standardizer.fit(splits.test());
        assertEquals(false, java.util.Arrays.equals(ownTest.mean(), s.mean()));
    }

    @Test
    void roundTripsThroughMetadataExactly() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] mean = new float[20];
        float[] std = new float[20];
        for (int i = 0; i < 20; i++) {
            mean[i] = (float) rng.nextGaussian() * 1e6f;
            std[i] = (float) rng.nextDouble(1e-6, 1e3);
        }
        Standardizer s = new Standardizer(mean, std);
        Map<String, String> meta = s.toMetadata("standardizer.");
        Standardizer back = Standardizer.fromMetadata(meta, "standardizer.");
        assertArrayEquals(mean, back.mean());
        assertArrayEquals(std, back.std());
        assertThrows(FormatException.class, () -> Standardizer.fromMetadata(Map.of(), "standardizer."));
        assertThrows(FormatException.class, () -> Standardizer.fromMetadata(
                Map.of("s.mean", "[1]", "s.std", "[0]"), "s."));
        assertThrows(FormatException.class, () -> Standardizer.fromMetadata(
                Map.of("s.mean", "[1", "s.std", "[1]"), "s."));
        assertThrows(BackpropException.class, () -> new Standardizer(new float[2], new float[] {1}));
    }
}
