package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Parameter;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training a CNN gives the same bits run to run and with any number of threads: the convolution's
 * sums are taken in an order fixed by the shapes alone, never by the thread count, by which
 * thread ran what, or by whether the JIT has compiled a kernel yet.
 */
class ConvDeterminismTest {

    /**
     * {@link ConvVector#weightGrad} adds each dot product's lanes in lane order, then the tail:
     * checked bit for bit against that order written out, over enough calls for C2 to compile the
     * kernel (the Vector API's reduceLanes(ADD) gave other bits once compiled than interpreted).
     */
    @Test
    void weightGradAddsTheLanesInOneOrderInterpretedOrCompiled() {
        if (!VectorModule.AVAILABLE) {
            return;
        }
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int k = 7, og = 5, tp = 3 * lanes + 3;
        SplittableRandom rng = new SplittableRandom(12);
        float[] cols = new float[k * tp], dy = new float[og * tp];
        for (int i = 0; i < cols.length; i++) cols[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(4)));
        for (int i = 0; i < dy.length; i++) dy[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(4)));
        float[] expected = new float[k * og];
        int pv = tp / lanes * lanes;
        for (int r = 0; r < k; r++) {
            for (int o = 0; o < og; o++) {
                float[] lane = new float[lanes];
                for (int p = 0; p < pv; p++) {
                    lane[p % lanes] = Math.fma(cols[r * tp + p], dy[o * tp + p], lane[p % lanes]);
                }
                float sum = 0f;
                for (float v : lane) sum += v;
                for (int p = pv; p < tp; p++) sum += cols[r * tp + p] * dy[o * tp + p];
                expected[r * og + o] = sum;
            }
        }
        float[] out = new float[k * og];
        for (int call = 0; call < 30_000; call++) {
            ConvVector.weightGrad(k, og, tp, cols, 0, tp, dy, 0, tp, out, 0, og, false);
            for (int i = 0; i < out.length; i++) {
                if (Float.floatToRawIntBits(out[i]) != Float.floatToRawIntBits(expected[i])) {
                    assertEquals(expected[i], out[i], 0f, "call " + call + ", element " + i);
                }
            }
        }
    }

    /**
     * {@link ConvVector#forward}'s vector loop and its plain loop (which takes the positions past
     * the last vector) give the same bits, with and without a bias, over whole vectors, pairs of
     * them, a tail, and filters past a block of four: a position's bits do not depend on where a
     * tile's vectors end.
     */
    @Test
    void forwardsVectorAndPlainLoopsGiveTheSameBits() {
        if (!VectorModule.AVAILABLE) {
            return;
        }
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        SplittableRandom rng = new SplittableRandom(5);
        for (int[] c : new int[][] {{9, 5, 6 * lanes + 3}, {27, 16, 2 * lanes}, {1, 3, lanes - 1}, {32, 4, 3 * lanes}}) {
            int k = c[0], og = c[1], tp = c[2], ldc = tp + 2, ldy = tp + 1;
            float[] w = new float[og * k + 1], cols = new float[k * ldc + 3], bias = new float[og + 2];
            for (float[] a : new float[][] {w, cols, bias}) {
                for (int i = 0; i < a.length; i++) a[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(3)));
            }
            for (float[] b : new float[][] {bias, null}) {
                float[] vector = new float[og * ldy + 1], plain = new float[og * ldy + 1];
                ConvVector.forward(k, og, tp, w, 1, cols, 3, ldc, b, 2, vector, 1, ldy);
                ConvVector.forwardPlain(k, og, 0, tp, w, 1, cols, 3, ldc, b, 2, plain, 1, ldy);
                for (int i = 0; i < plain.length; i++) {
                    assertEquals(Float.floatToRawIntBits(plain[i]), Float.floatToRawIntBits(vector[i]),
                            "k " + k + ", og " + og + ", tp " + tp + (b == null ? ", no bias" : "") + ", element " + i);
                }
            }
        }
    }

    /** A few Adam steps of a small CNN (conv, batch norm, pooling) give the same weights with 1 and 3 threads. */
    @Test
    void aSmallCnnTrainsToTheSameBitsOnOneAndThreeThreads() throws Exception {
        String one = child(1), three = child(3);
        assertTrue(one.contains("param 0 "), one);
        assertEquals(one, three);
    }

    private static String child(int threads) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dbackprop4j.threads=" + threads,
                "-cp", io.backprop4j.testing.ChildJvm.classPath(), SmallCnn.class.getName()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().filter(l -> l.startsWith("param ") || l.startsWith("loss ")).reduce("", (a, b) -> a + b + "\n");
    }

    /**
     * Run in a child JVM by the test above: 3 Adam steps on random 12x12 images, batch 40 (more
     * images than the weight gradient has slices on any pool), then each parameter's bits hashed.
     */
    static final class SmallCnn {
        public static void main(String[] args) {
            SplittableRandom rng = new SplittableRandom(7);
            Sequential model = new Sequential(new Conv2d(1, 8, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                    new Conv2d(8, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
                    new Flatten(), new Linear(16 * 3 * 3, 10, rng));
            Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-2);
            int batch = 40;
            float[] x = new float[batch * 144];
            int[] y = new int[batch];
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
                for (int i = 0; i < batch; i++) y[i] = rng.nextInt(10);
                opt.zeroGrad();
                Tensor loss = Losses.crossEntropy(model.forward(Tensor.of(x, batch, 1, 12, 12)), y);
                loss.backward();
                opt.step();
                System.out.println("loss " + Float.floatToRawIntBits((float) loss.item()));
            }
            int i = 0;
            for (Parameter p : model.parameters()) {
                System.out.println("param " + i++ + " " + java.util.Arrays.hashCode(p.toFloatArray()));
            }
        }
    }
}
