package io.backprop4j.testing;

import java.io.File;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What a test needs to start a JVM of its own on the classes under test. */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * A class path with the test classes, the library and the test dependencies. The tests run
     * inside the named module, so the library sits on the module path (jdk.module.path) and the
     * test classes are patched in; a child on the class path needs all of them there.
     */
    public static String classPath() {
        return Stream.of("target/test-classes", "target/classes", System.getProperty("jdk.module.path"),
                        System.getProperty("surefire.test.class.path"), System.getProperty("java.class.path"))
                .filter(Objects::nonNull).filter(s -> !s.isBlank()).distinct().collect(Collectors.joining(File.pathSeparator));
    }
}
