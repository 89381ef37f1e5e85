package io.backprop4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Dataset;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Standardizer;
import io.backprop4j.nn.Mlp;
import io.backprop4j.nn.Module;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.DType;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.History;
import io.backprop4j.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SparkTrainer through its API, in local mode: both modes against the single-machine Trainer, and the RDD entry point. */
class SparkTrainerTest {
    static JavaSparkContext sc;
    static DataSplits digits;
    static final int[] SIZES = {64, 32, 10};
    static final ModelFactory ARCH = rng -> Mlp.build(SIZES, "relu", 0, false, rng, DType.FLOAT32);

    @BeforeAll
    static void open() {
        sc = Masters.open("local[2]", "SparkTrainerTest");
        DataSplits d = Datasets.load("digits");
        digits = d.standardized(Standardizer.fit(d.train()));
    }

    @AfterAll
    static void close() {
        sc.stop();
    }

    record Run(Map<String, float[]> weights, History history) {}

    /** Three epochs from seed 3; {@code fit} trains the model with the optimiser. */
    static Run run(Function<Module, Function<Optimizer, History>> fit) {
        Module model = ARCH.create(new EpochRandom(3));
        Optimizer opt = Optimizers.create("adam", model.parameters(), 1e-3);
        History h = fit.apply(model).apply(opt);
        Map<String, float[]> w = new TreeMap<>();
        model.stateDict().forEach((k, v) -> w.put(k, v.toFloatArray()));
        return new Run(w, h);
    }

    static Trainer.Builder trainer() {
        return Trainer.builder().epochs(3).seed(3);
    }

    static Run plain() {
        return run(m -> o -> trainer().build().fit(m, o, digits.train(), digits.validation()));
    }

    static double largestDifference(Run a, Run b) {
        assertEquals(a.weights().keySet(), b.weights().keySet());
        double worst = 0;
        for (String k : a.weights().keySet()) {
            float[] x = a.weights().get(k);
            float[] y = b.weights().get(k);
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @Test
    void synchronousStepsOnThreePartitionsComputeTheSingleMachineRun() {
        Run spark = run(m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).partitions(3).build()
                .fit(m, o, digits.train(), digits.validation()));
        double d = largestDifference(plain(), spark);
        assertTrue(d <= 1e-5, "largest weight difference " + d);
    }

    @Test
    void averagingOverOnePartitionIsTheSingleMachineRun() {
        // One replica: K local steps from the driver's weights and Adam state, "averaged" with itself.
        Run avg = run(m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).partitions(1)
                .averageEvery(5, OptimizerFactory.named("adam", 1e-3)).build().fit(m, o, digits.train(), digits.validation()));
        double d = largestDifference(plain(), avg);
        assertTrue(d <= 1e-6, "largest weight difference " + d);
    }

    @Test
    void averagingOverTwoPartitionsLearnsAndIsReproducible() {
        Function<Module, Function<Optimizer, History>> fit = m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).partitions(2)
                .averageEvery(4, OptimizerFactory.named("adam", 1e-3)).build().fit(m, o, digits.train(), digits.validation());
        Run a = run(fit);
        Run b = run(fit);
        assertEquals(0.0, largestDifference(a, b), "the same command, the same model");
        Run p = plain();
        double accAvg = a.history().last().validationAccuracy();
        double accPlain = p.history().last().validationAccuracy();
        // Early in training (3 epochs at 1e-3: 0.73 alone), averaging K = 4 half-batch steps lags a little (0.68).
        assertTrue(accAvg > 0.6 && accAvg > accPlain - 0.1, "validation accuracy " + accAvg + " averaging, " + accPlain + " alone");
        assertTrue(a.history().last().trainLoss() < a.history().epochs().getFirst().trainLoss() * 0.7, "the loss falls");
        assertTrue(largestDifference(a, p) > 1e-4, "averaging computes something else than synchronous steps");
    }

    @Test
    void anRddOfExamplesGivesTheDatasetsResult() {
        Dataset train = digits.train();
        float[] x = train.features().toFloatArray();
        int d = train.numFeatures();
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            examples.add(Example.labelled(java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d), train.labels()[i]));
        }
        JavaRDD<Example> rdd = sc.parallelize(examples, 2);
        Run fromRdd = run(m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).build().fit(m, o, rdd, digits.validation()));
        Run fromData = run(m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).partitions(2).build()
                .fit(m, o, digits.train(), digits.validation()));
        assertEquals(0.0, largestDifference(fromRdd, fromData));
    }

    @Test
    void aSparkSqlDatasetGivesTheDatasetsResult() {
        Dataset train = digits.train();
        float[] x = train.features().toFloatArray();
        int d = train.numFeatures();
        List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            List<Float> f = new ArrayList<>();
            for (int j = 0; j < d; j++) f.add(x[i * d + j]);
            rows.add(org.apache.spark.sql.RowFactory.create(f, train.labels()[i]));
        }
        var schema = new org.apache.spark.sql.types.StructType()
                .add("pixels", org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.FloatType))
                .add("digit", org.apache.spark.sql.types.DataTypes.IntegerType);
        var spark = org.apache.spark.sql.SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        var frame = spark.createDataFrame(rows, schema).coalesce(1); // the rows in order, in one partition
        Run fromSql = run(m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).build().fit(m, o, frame, "pixels", "digit",
                digits.validation()));
        Run fromData = run(m -> o -> SparkTrainer.builder(sc, trainer()).model(ARCH).partitions(1).build()
                .fit(m, o, digits.train(), digits.validation()));
        assertEquals(0.0, largestDifference(fromSql, fromData));
        BackpropException e = org.junit.jupiter.api.Assertions.assertThrows(BackpropException.class, () -> run(m -> o ->
                SparkTrainer.builder(sc, trainer()).model(ARCH).build().fit(m, o, frame, "features", "digit", digits.validation())));
        assertTrue(e.getMessage().contains("no column 'features'") && e.getMessage().contains("pixels"), e.getMessage());
    }

    @Test
    void aModelTheFactoryDoesNotBuildIsNamed() {
        ModelFactory other = rng -> Mlp.build(new int[] {64, 16, 10}, "relu", 0, false, rng, DType.FLOAT32);
        BackpropException e = org.junit.jupiter.api.Assertions.assertThrows(BackpropException.class,
                () -> run(m -> o -> SparkTrainer.builder(sc, trainer()).model(other).build().fit(m, o, digits.train(), digits.validation())));
        assertTrue(e.getMessage().contains("ModelFactory"), e.getMessage());
    }
}
