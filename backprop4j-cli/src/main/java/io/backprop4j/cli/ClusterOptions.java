package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Dataset;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.train.History;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Trainer;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code train}'s options for training on a cluster ({@code --spark MASTER}, {@code
 * --average-every K}), a picocli mixin, so that TrainCommand holds only one check and one call.
 * Neither is recorded in TrainCommand's checkpoint settings: synchronous steps compute the
 * single-machine result up to float rounding (a run may resume on another cluster or on none),
 * and parameter averaging is recorded by the Trainer itself, as the settings of its runner
 * ({@link io.backprop4j.train.EpochSteps#settings()}), and checked on resume.
 */
final class ClusterOptions {
    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Train on Apache Spark: local[*] or local[N] (embedded, N threads), or spark://HOST:PORT (a standalone"
                    + " cluster); synchronous data-parallel steps, the same result as without --spark up to float rounding.")
    String spark;

    @Option(names = "--average-every", paramLabel = "K",
            description = "With --spark: parameter averaging every K local steps instead of synchronous steps.")
    Integer averageEvery;

    private ClusterTraining provider;

    /**
     * Checks the options before any data is read: a bad URL or a standalone master that does not
     * answer is refused in one line naming it.
     */
    void check() {
        if (averageEvery != null && spark == null) throw new BackpropException("--average-every needs --spark MASTER");
        if (averageEvery != null && averageEvery < 1) {
            throw new BackpropException("invalid --average-every " + averageEvery + " (must be at least 1)");
        }
        if (spark == null) return;
        provider = ClusterTraining.find();
        provider.checkMaster(spark);
    }

    /** {@code trainer.build().fit(...)} without --spark; with it, the same on the cluster. */
    History fit(Trainer.Builder trainer, ModelSpec spec, Sequential model, Optimizer optimizer, String optimizerName, double learningRate,
                Double gradClip, Dataset train, Dataset validation, PrintWriter out) {
        if (spark == null) return trainer.build().fit(model, optimizer, train, validation);
        if (provider == null) check();
        return provider.fit(new ClusterTraining.Job(spark, averageEvery == null ? 0 : averageEvery, trainer, spec, model, optimizer,
                optimizerName, learningRate, gradClip, train, validation, out));
    }
}
