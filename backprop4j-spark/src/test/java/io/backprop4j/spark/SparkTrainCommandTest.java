package io.backprop4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.io.Safetensors;
import io.backprop4j.tensor.Tensor;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void aConvolutionalNetworkOnLocal2MatchesTheSingleMachineRun() throws Exception {
        // No batch norm or dropout, so that synchronous steps compute the single machine's sums.
        Path yaml = dir.resolve("cnn.yaml");
        Files.writeString(yaml, """
                layers:
                  - {type: conv2d, out_channels: 4, kernel: 3, padding: 1}
                  - {type: relu}
                  - {type: max_pool2d, kernel: 2}
                  - {type: flatten}
                  - {type: linear, out: 10}
                """);
        Path plain = dir.resolve("cnn-plain.safetensors");
        Path spark = dir.resolve("cnn-spark.safetensors");
        Cli one = Cli.run("train", "--model", yaml.toString(), "--epochs", "2", "--seed", "3", "--augment", "none", "--save", plain.toString());
        assertEquals(0, one.status(), one.out() + one.err());
        Cli two = Cli.run("train", "--model", yaml.toString(), "--epochs", "2", "--seed", "3", "--augment", "none",
                "--spark", "local[2]", "--save", spark.toString());
        assertEquals(0, two.status(), two.out() + two.err());
        assertTrue(two.out().contains("spark: local[2], 2 partitions, synchronous steps"), two.out());
        double worst = largestDifference(plain, spark);
        assertTrue(worst <= 1e-5, "largest weight difference " + worst);
        assertEquals(one.testAccuracy(), two.testAccuracy(), 0.01);
    }

    static double largestDifference(Path x, Path y) {
        Map<String, Tensor> a = Safetensors.read(x).tensors();
        Map<String, Tensor> b = Safetensors.read(y).tensors();
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (String k : a.keySet()) {
            float[] u = a.get(k).toFloatArray();
            float[] v = b.get(k).toFloatArray();
            for (int i = 0; i < u.length; i++) worst = Math.max(worst, Math.abs(u[i] - v[i]));
        }
        return worst;
    }

    @Test
    void aSparkRunResumesWithoutSparkAndAnAveragingRunDoesNot() {
        // Synchronous steps compute the single-machine run: its checkpoint resumes anywhere.
        Path ck = dir.resolve("ck");
        Cli first = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "2", "--seed", "3", "--spark", "local[2]",
                "--checkpoint-dir", ck.toString());
        assertEquals(0, first.status(), first.out() + first.err());
        Path resumed = dir.resolve("resumed.safetensors");
        Cli rest = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "3", "--seed", "3", "--checkpoint-dir", ck.toString(),
                "--resume", "--save", resumed.toString());
        assertEquals(0, rest.status(), rest.out() + rest.err());
        Path plain = dir.resolve("plain.safetensors");
        Cli all = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "3", "--seed", "3", "--save", plain.toString());
        assertEquals(0, all.status(), all.err());
        double d = largestDifference(plain, resumed);
        assertTrue(d <= 1e-5, "largest weight difference " + d);
        // Averaging computes something else: the Trainer recorded its settings and refuses another runner.
        Path ck2 = dir.resolve("ck2");
        Cli avg = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "1", "--seed", "3", "--spark", "local[2]",
                "--average-every", "4", "--checkpoint-dir", ck2.toString());
        assertEquals(0, avg.status(), avg.out() + avg.err());
        assertTrue(avg.out().contains("parameter averaging every 4 steps"), avg.out());
        Cli refused = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "2", "--seed", "3", "--checkpoint-dir", ck2.toString(),
                "--resume");
        assertEquals(2, refused.status(), refused.out() + refused.err());
        assertTrue(refused.err().contains("cannot resume") && (refused.err().contains("average every 4")
                || refused.err().contains("partitions 2")), refused.err());
    }

    /** One line on stderr naming the URL, exit status 2, within 30 s, before any epoch. */
    private static void refused(String master, String why) {
        Cli c = Cli.run("train", "--data", "digits", "--epochs", "1", "--spark", master);
        assertEquals(2, c.status(), c.out() + c.err());
        String err = c.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("--spark " + master + ": ") && err.contains(why), err);
        assertTrue(c.seconds() < 30, master + ": " + c.seconds() + " s");
        assertTrue(!c.out().contains("epoch"), c.out());
        System.out.printf("%s: %.1f s: %s%n", master, c.seconds(), err);
    }

    @Test
    void badMasterUrlsAreNamedInOneLine() {
        refused("yarn", "not a master URL");
        refused("local[0]", "not a master URL");
        refused("spark://", "no HOST:PORT");
        refused("spark://127.0.0.1:70000", "not HOST:PORT");
        refused("spark://no-such-host.invalid:7077", "unknown host");
    }

    @Test
    void aMasterThatIsNotThereIsNamedAtOnce() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        refused("spark://127.0.0.1:" + port, "cannot reach the master");
    }

    record Run(int status, List<String> err, double seconds) {}

    /** {@code train --data digits --epochs 1 --spark MASTER} in a JVM of its own, as bin/backprop4j runs it. */
    static Run subprocess(String master) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC"));
        cmd.addAll(SparkJvmOptionsTest.options());
        cmd.addAll(List.of("-cp", StandaloneCluster.executorClassPath(), "io.backprop4j.cli.Main",
                "train", "--data", "digits", "--epochs", "1", "--spark", master));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int status = p.waitFor();
        // The JVM's own notices are not the tool's output (JAVA_TOOL_OPTIONS is how bin/test's users emulate other widths).
        return new Run(status, err.lines().filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector")
                        && !l.startsWith("Picked up JAVA_TOOL_OPTIONS:")).toList(),
                (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void aMasterThatNeverAnswersIsNamedWithin30Seconds() throws Exception {
        // Accepts connections and says nothing: Spark's own registration would retry for a minute.
        // Its whole stderr is one line. The 30 s include the JVM's start and the data's loading
        // (2-3 s on an idle machine); what a starved machine takes beyond 5 s for them, as a run
        // refused at once shows, is not held against the limit.
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Run baseline = subprocess("spark://127.0.0.1:" + closed);
        assertEquals(2, baseline.status(), String.join("\n", baseline.err()));
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) silent.accept();
                } catch (IOException e) {
                    // closed
                }
            });
            String master = "spark://127.0.0.1:" + silent.getLocalPort();
            Run r = subprocess(master);
            String err = String.join("\n", r.err());
            assertEquals(2, r.status(), err);
            assertEquals(1, r.err().size(), err);
            assertTrue(err.startsWith("backprop4j: --spark " + master + ": no Spark master answered there within 10 s"), err);
            assertTrue(r.seconds() < 30 + Math.max(0, baseline.seconds() - 5), r.seconds() + " s (a run refused at once: "
                    + baseline.seconds() + " s)");
            System.out.printf("%s (a port that never answers): %.1f s, the JVM's start included (refused at once: %.1f s): %s%n",
                    master, r.seconds(), baseline.seconds(), err);
        }
    }
}
