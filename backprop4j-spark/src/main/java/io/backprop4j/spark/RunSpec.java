package io.backprop4j.spark;

import java.io.Serializable;

/**
 * What every task of one training run needs, sent with each task (small: the weights travel in
 * broadcasts, the examples stay in the partitions).
 *
 * @param run a name for this run, unique, under which the executors keep its replicas
 * @param examples training examples in all
 * @param partitions the number of partitions (shards)
 */
record RunSpec(String run, ModelFactory model, SparkLoss loss, OptimizerFactory optimizer, SparkGradientHook hook,
               long seed, int batch, int examples, int partitions, boolean classify, boolean checkNumerics)
        implements Serializable {

    /** The examples in global batch {@code b}. */
    int batchSize(int b) {
        return Math.min(batch, examples - b * batch);
    }
}
