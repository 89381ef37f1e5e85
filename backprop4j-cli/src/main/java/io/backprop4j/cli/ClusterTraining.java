package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Dataset;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.train.History;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Trainer;
import java.io.PrintWriter;
import java.util.ServiceLoader;

/**
 * {@code train --spark MASTER}: training on a cluster, provided by the backprop4j-spark module
 * (found with {@link ServiceLoader} when its jars are on the class path, as bin/backprop4j puts
 * them when --spark is given). The plain CLI jar holds no Spark class.
 */
public interface ClusterTraining {
    /**
     * What {@code train} hands over: the Trainer's settings (listeners, checkpoints, resume
     * included), the model and how to rebuild it, the optimiser and how to rebuild it, the data.
     *
     * @param averageEvery 0 for synchronous steps, else parameter averaging every that many steps
     * @param gradClip the --grad-clip norm, or null
     */
    record Job(String master, int averageEvery, Trainer.Builder trainer, ModelSpec spec, Sequential model, Optimizer optimizer,
               String optimizerName, double learningRate, Double gradClip, Dataset train, Dataset validation, PrintWriter out) {}

    /** Refuses, in one line naming it, a master URL that cannot be one or a master that does not answer, before any data is read. */
    void checkMaster(String master);

    /** Trains as {@code Trainer.fit} does, on the cluster; prints what the cluster's steps cost. */
    History fit(Job job);

    /** The provider on the class path. */
    static ClusterTraining find() {
        for (ClusterTraining c : ServiceLoader.load(ClusterTraining.class)) return c;
        throw new BackpropException("--spark: the backprop4j-spark module is not on the class path;"
                + " run bin/backprop4j, which adds it when --spark is given");
    }
}
