package io.backprop4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.internal.kernel.Simd;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Adam;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.system.Backend;
import io.backprop4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A plain {@code java -cp} user who forgets {@code --add-modules jdk.incubator.vector}: the
 * library still trains, on its scalar kernels, with one warning line that names the option and
 * what it costs, never a NoClassDefFoundError. The same training steps run here (with the Vector
 * API) and in a child JVM without the module, and must agree.
 */
class WithoutVectorApiTest {

    /** Five Adam steps of a 20-64-5 ReLU network on a seeded batch of 64: the losses, then the sum of every parameter. */
    static List<Double> train() {
        SplittableRandom rng = new SplittableRandom(5);
        Sequential model = new Sequential(new Linear(20, 64, rng), new ReLU(), new Linear(64, 5, rng));
        float[] x = new float[64 * 20];
        int[] y = new int[64];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(5);
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        List<Double> out = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(Tensor.of(x, 64, 20)), y);
            loss.backward();
            opt.step();
            out.add(loss.item());
        }
        double sum = 0;
        for (var p : model.parameters()) for (float v : p.toFloatArray()) sum += v;
        out.add(sum);
        return out;
    }

    /** The child JVM's main: prints whether the Vector API was found, then the figures of {@link #train}. */
    public static void main(String[] args) {
        System.out.println("vectorApi=" + Backend.current().vectorApi());
        for (double v : train()) System.out.println(v);
    }

    @Test
    void trainsWithScalarKernelsAndOneWarning() throws Exception {
        assertTrue(Simd.AVAILABLE, "this test runs with the module, its child without");
        String java = ProcessHandle.current().info().command().orElse("java");
        Path err = Files.createTempFile("novector", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", io.backprop4j.testing.ChildJvm.classPath(),
                    WithoutVectorApiTest.class.getName()).redirectError(err.toFile());
            // Nothing may add the module behind the test's back.
            pb.environment().remove("JDK_JAVA_OPTIONS");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            Process p = pb.start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            int rc = p.waitFor();
            List<String> stderr = Files.readAllLines(err);
            assertEquals(0, rc, "stdout " + lines + "\nstderr " + stderr);
            assertEquals(List.of(Simd.WARNING), stderr, "exactly one warning line");
            assertTrue(Simd.WARNING.contains("--add-modules jdk.incubator.vector") && Simd.WARNING.contains("slower"), Simd.WARNING);
            assertEquals("vectorApi=false", lines.get(0));
            List<Double> expected = train();
            assertEquals(expected.size(), lines.size() - 1, lines.toString());
            for (int i = 0; i < expected.size(); i++) {
                double got = Double.parseDouble(lines.get(i + 1));
                // Scalar and vector GEMMs round their sums differently: agreement to float32 precision.
                assertEquals(expected.get(i), got, 1e-4 * Math.max(1, Math.abs(expected.get(i))), "figure " + i + " of " + lines);
            }
            assertTrue(expected.get(4) < expected.get(0), "the steps lower the loss: " + expected);
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
