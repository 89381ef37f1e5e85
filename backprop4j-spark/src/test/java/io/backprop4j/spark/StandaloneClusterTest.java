package io.backprop4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Standardizer;
import io.backprop4j.io.Safetensors;
import io.backprop4j.nn.Mlp;
import io.backprop4j.nn.Module;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.Trainer;
import io.backprop4j.train.TrainingListener;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster: a master and two workers on 127.0.0.1, each a JVM of its own, from
 * the Maven jars. Training there gives local mode's weights bit for bit (the same two partitions,
 * the same fixed tree of sums), and so does a run that loses a worker in the middle of an epoch.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    @TempDir
    static Path dir;
    static StandaloneCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2);
        // SparkConf reads spark.* system properties: the executors run from the test's class path.
        System.setProperty("spark.executor.extraClassPath", StandaloneCluster.executorClassPath());
        System.setProperty("spark.executor.memory", "512m");
        // Executors start in seconds on an idle machine, in a minute on a busy one (2 cores, several builds).
        System.setProperty("backprop4j.spark.executorWaitSeconds", "180");
    }

    @AfterAll
    static void stopCluster() {
        System.clearProperty("spark.executor.extraClassPath");
        System.clearProperty("spark.executor.memory");
        System.clearProperty("backprop4j.spark.executorWaitSeconds");
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void trainOnTheClusterGivesLocalModesWeights() {
        Path onCluster = dir.resolve("cluster.safetensors");
        Path local = dir.resolve("local.safetensors");
        Cli c = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "2", "--seed", "3", "--spark", cluster.url(),
                "--save", onCluster.toString());
        assertEquals(0, c.status(), c.out() + c.err() + cluster.logs());
        assertTrue(c.out().contains("spark: " + cluster.url() + ", 2 partitions, synchronous steps"), c.out());
        Cli l = Cli.run("train", "--data", "digits", "--layers", "32", "--epochs", "2", "--seed", "3", "--spark", "local[2]",
                "--save", local.toString());
        assertEquals(0, l.status(), l.out() + l.err());
        Map<String, Tensor> a = Safetensors.read(onCluster).tensors();
        Map<String, Tensor> b = Safetensors.read(local).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(b.get(k).toFloatArray(), a.get(k).toFloatArray(), 0f, k);
        assertEquals(l.testAccuracy(), c.testAccuracy());
        System.out.printf("standalone cluster (2 workers): %.1f s, local[2]: %.1f s; the same weights%n%s", c.seconds(), l.seconds(), c.out());
    }

    @Test
    @Order(2)
    void aWorkerKilledInTheMiddleOfAnEpochChangesNoWeight() {
        Map<String, float[]> undisturbed = train("local[2]", null);
        AtomicInteger failedTasks = new AtomicInteger();
        AtomicInteger lostExecutors = new AtomicInteger();
        Map<String, float[]> disturbed = train(cluster.url(), sc -> {
            awaitExecutors(sc, 2);
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd e) {
                    if (!e.taskInfo().successful()) failedTasks.incrementAndGet();
                }

                @Override
                public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                    lostExecutors.incrementAndGet();
                }
            });
            return new TrainingListener() {
                @Override
                public void onBatchEnd(int epoch, int batch, int batches, long samplesDone, double runningLoss) {
                    // During the next step's job, most likely while its tasks run.
                    if (epoch == 1 && batch == 10) Thread.ofPlatform().start(() -> {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException ex) {
                            return;
                        }
                        cluster.killWorker(1);
                    });
                }
            };
        });
        assertTrue(lostExecutors.get() >= 1, "no executor was lost");
        assertEquals(undisturbed.keySet(), disturbed.keySet());
        for (String k : undisturbed.keySet()) assertArrayEquals(undisturbed.get(k), disturbed.get(k), 0f, k);
        System.out.printf("worker killed in epoch 1 after step 10: %d executor(s) lost, %d task(s) failed and rerun; the same weights%n",
                lostExecutors.get(), failedTasks.get());
    }

    private static void awaitExecutors(JavaSparkContext sc, int n) {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (sc.statusTracker().getExecutorInfos().length < n + 1) { // the driver is listed too
            if (System.nanoTime() > deadline) throw new AssertionError("fewer than " + n + " executors after 180 s:\n" + cluster.logs());
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Two epochs of digits on {@code master} (2 partitions), through the API; the final weights. */
    private static Map<String, float[]> train(String master, java.util.function.Function<JavaSparkContext, TrainingListener> listen) {
        DataSplits d = Datasets.load("digits");
        d = d.standardized(Standardizer.fit(d.train()));
        int[] sizes = {64, 32, 10};
        ModelFactory arch = rng -> Mlp.build(sizes, "relu", 0, false, rng, DType.FLOAT32);
        JavaSparkContext sc = Masters.open(master, "StandaloneClusterTest");
        try {
            Module model = arch.create(new EpochRandom(3));
            Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-3);
            Trainer.Builder t = Trainer.builder().epochs(2).seed(3);
            if (listen != null) t.listener(listen.apply(sc));
            SparkTrainer.builder(sc, t).model(arch).partitions(2).build().fit(model, opt, d.train(), d.validation());
            Map<String, float[]> w = new TreeMap<>();
            model.stateDict().forEach((k, v) -> w.put(k, v.toFloatArray()));
            return w;
        } finally {
            sc.stop();
        }
    }
}
