package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.GRU;
import io.backprop4j.nn.LSTM;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Parameter;
import io.backprop4j.nn.RNN;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training the recurrent layers gives the same bits with any number of threads: the batch is
 * walked through the window in blocks of {@link Recurrent#ROW_BLOCK} rows whatever the pool's
 * size, and only which thread takes a block changes.
 */
class RecurrentDeterminismTest {

    @Test
    void recurrentLayersTrainToTheSameBitsOnOneAndThreeThreads() throws Exception {
        String one = child(1), three = child(3);
        assertTrue(one.contains("LSTM param 0 ") && one.contains("GRU param 3 ") && one.contains("RNN param 1 "), one);
        assertEquals(one, three);
    }

    private static String child(int threads) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dbackprop4j.threads=" + threads,
                "-cp", io.backprop4j.testing.ChildJvm.classPath(), SmallRecurrent.class.getName()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().filter(l -> l.contains(" param ") || l.contains(" loss ")).reduce("", (a, b) -> a + b + "\n");
    }

    /**
     * Run in a child JVM by the test above: for each cell, 3 AdamW steps on a random window,
     * batch 70 (two full blocks and a short one, more blocks than threads), then
     * each parameter's bits hashed.
     */
    static final class SmallRecurrent {
        public static void main(String[] args) {
            int batch = 2 * Recurrent.ROW_BLOCK + 6, steps = 5, in = 7, hidden = 19;
            for (String name : new String[] {"LSTM", "GRU", "RNN"}) {
                SplittableRandom rng = new SplittableRandom(17);
                Module layer = switch (name) {
                    case "LSTM" -> new LSTM(in, hidden, 1, true, true, DType.FLOAT32, rng);
                    case "GRU" -> new GRU(in, hidden, 1, true, true, DType.FLOAT32, rng);
                    default -> new RNN(in, hidden, 1, true, true, DType.FLOAT32, rng);
                };
                Optimizer opt = Optimizers.create("adamw", layer.parameters(), 1e-2);
                for (int step = 0; step < 3; step++) {
                    float[] x = new float[batch * steps * in], y = new float[batch * steps * hidden];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
                    for (int i = 0; i < y.length; i++) y[i] = (float) rng.nextGaussian();
                    opt.zeroGrad();
                    Tensor loss = Losses.mse(layer.forward(Tensor.of(x, batch, steps, in)), Tensor.of(y, batch, steps, hidden));
                    loss.backward();
                    opt.step();
                    System.out.println(name + " loss " + Float.floatToRawIntBits((float) loss.item()));
                }
                int i = 0;
                for (Parameter p : layer.parameters()) {
                    System.out.println(name + " param " + i++ + " " + java.util.Arrays.hashCode(p.toFloatArray()));
                }
            }
        }
    }
}
