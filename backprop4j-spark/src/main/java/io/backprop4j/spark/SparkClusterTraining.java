package io.backprop4j.spark;

import io.backprop4j.cli.ClusterTraining;
import io.backprop4j.nn.Mlp;
import io.backprop4j.tensor.DType;
import io.backprop4j.train.Architecture;
import io.backprop4j.train.History;
import io.backprop4j.train.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/** {@code train --spark MASTER}: the CLI's job on a {@link SparkTrainer} (found by the CLI with ServiceLoader). */
public final class SparkClusterTraining implements ClusterTraining {
    @Override
    public void checkMaster(String master) {
        Masters.reach(master); // a bad URL or a master that does not answer is named before the data is read
    }

    /**
     * How each executor builds its copy of the model: an MLP from its sizes, any other Sequential
     * from its layer list (as the model file stores it), read again on the executor; only plain
     * serialisable values are captured.
     */
    static ModelFactory factory(ModelSpec spec) {
        if (spec.architecture() != null) {
            int[] inputShape = spec.architecture().inputShape();
            List<Map<String, Object>> layers = new ArrayList<>();
            for (Map<String, Object> m : spec.architecture().toMaps()) layers.add(new LinkedHashMap<>(m));
            return rng -> Architecture.read(inputShape, layers).build(rng);
        }
        int[] sizes = spec.sizes();
        String activation = spec.activation();
        double dropout = spec.dropout();
        boolean batchNorm = spec.batchNorm();
        return rng -> Mlp.build(sizes, activation, dropout, batchNorm, rng, DType.FLOAT32);
    }

    @Override
    public History fit(Job job) {
        ModelFactory architecture = factory(job.spec());
        JavaSparkContext sc = Masters.open(job.master(), "backprop4j train");
        try {
            SparkTrainer.Builder b = SparkTrainer.builder(sc, job.trainer()).model(architecture);
            if (job.gradClip() != null) b.gradientHook(SparkGradientHook.clipByNorm(job.gradClip()));
            if (job.averageEvery() > 0) b.averageEvery(job.averageEvery(), OptimizerFactory.named(job.optimizerName(), job.learningRate()));
            SparkTrainer trainer = b.build();
            int partitions = Math.min(sc.defaultParallelism(), job.train().size());
            job.out().printf(Locale.ROOT, "spark: %s, %d partitions, %s%n", job.master(), partitions,
                    job.averageEvery() > 0 ? "parameter averaging every " + job.averageEvery() + " steps" : "synchronous steps");
            job.out().flush();
            History h = trainer.fit(job.model(), job.optimizer(), job.train(), job.validation());
            job.out().println("spark: " + trainer.cost());
            return h;
        } finally {
            sc.stop();
        }
    }
}
