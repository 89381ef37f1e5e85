package io.backprop4j.cli;

import static io.backprop4j.cli.TrainErrorsTest.refused;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * {@code train --spark}: without the backprop4j-spark module on the class path (the plain CLI
 * jar, as here) one line says how to get it; the module's own tests train with it.
 */
class ClusterOptionsTest {
    @Test
    void thePlainCliHasNoSpark() {
        assertFalse(ClusterTraining.class.getClassLoader().getResource("org/apache/spark/SparkContext.class") != null,
                "Spark is on the CLI's class path");
        refused(CliRun.of("train", "--spark", "local[2]"), "--spark", "backprop4j-spark module is not on the class path", "bin/backprop4j");
    }

    @Test
    void averagingNeedsSparkAndAPositiveInterval() {
        refused(CliRun.of("train", "--average-every", "4"), "--average-every needs --spark MASTER");
        refused(CliRun.of("train", "--spark", "local[2]", "--average-every", "0"), "invalid --average-every 0", "at least 1");
    }
}
