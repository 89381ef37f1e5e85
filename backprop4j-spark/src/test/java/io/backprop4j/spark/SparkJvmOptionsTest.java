package io.backprop4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * bin/lib/spark-jvm-options (what bin/backprop4j passes for --spark) is Spark's own list of JVM
 * options for JDK 17+, and the tests run with it too (the pom's spark.jvm.args).
 */
class SparkJvmOptionsTest {
    /** The options of bin/lib/spark-jvm-options, in order. */
    static List<String> options() {
        try {
            return Files.readAllLines(Path.of("..", "bin", "lib", "spark-jvm-options")).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theFileHoldsSparksOwnOptions() {
        // Spark's list, less what bin/backprop4j already passes in its own way, the flag that only
        // hides unknown options, and a package JDK 25 no longer has (the JVM warns about it).
        List<String> spark = Arrays.stream(JavaModuleOptions.defaultModuleOptionArray())
                .filter(o -> !o.startsWith("--add-modules=jdk.incubator.vector") && !o.equals("-XX:+IgnoreUnrecognizedVMOptions")
                        && !o.contains("sun.security.action"))
                .toList();
        assertEquals(spark, options());
    }

    @Test
    void theTestsRunWithThem() {
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String o : options()) assertTrue(jvm.contains(o), o + " is not among the test JVM's options " + jvm);
    }
}
