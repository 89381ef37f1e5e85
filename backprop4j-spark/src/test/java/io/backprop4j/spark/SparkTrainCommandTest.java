package io.backprop4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.io.Safetensors;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train ... --spark MASTER}: the acceptance runs, through the real command line. */
class SparkTrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void digitsOnLocal2MatchesTheSingleMachineRun() {
        Path plain = dir.resolve("plain.safetensors");
        Path spark = dir.resolve("spark.safetensors");
        Cli one = Cli.run("train", "--data", "digits", "--epochs", "10", "--seed", "3", "--save", plain.toString());
        assertEquals(0, one.status(), one.err());
        Cli two = Cli.run("train", "--data", "digits", "--epochs", "10", "--seed", "3", "--spark", "local[2]", "--save", spark.toString());
        assertEquals(0, two.status(), two.out() + two.err());
        assertTrue(two.out().contains("spark: local[2], 2 partitions, synchronous steps"), two.out());
        assertTrue(Math.abs(one.testAccuracy() - two.testAccuracy()) <= 0.01, one.testAccuracy() + " vs " + two.testAccuracy());
        Map<String, Tensor> a = Safetensors.read(plain).tensors();
        Map<String, Tensor> b = Safetensors.read(spark).tensors();
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloatArray();
            float[] y = b.get(k).toFloatArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        System.out.printf("digits, 10 epochs, seed 3: test accuracy %.4f alone, %.4f on local[2]; largest weight difference %.3g;"
                + " %.1f s alone, %.1f s on local[2]%n", one.testAccuracy(), two.testAccuracy(), worst, one.seconds(), two.seconds());
        System.out.println(two.out());
        assertTrue(worst <= 1e-5, "largest weight difference " + worst);
    }
}
