package io.backprop4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every exported package of the core has a javadoc page (package-info.java) with an example, and
 * every example compiles and runs as written (import lines, then the statements of a main
 * method), as {@link ReadmeJavaTest} does for the README.
 */
class PackageDocTest {
    private static final Path CORE = Path.of("../backprop4j-core/src/main/java");
    private static final Pattern EXPORT = Pattern.compile("(?m)^\\s*exports ([\\w.]+);");
    private static final Pattern EXAMPLE = Pattern.compile("<pre>\\{@code\\n([\\s\\S]*?)\\n \\* }</pre>");

    @TempDir
    static Path work;

    static List<String> exportedPackages() throws IOException {
        List<String> packages = new ArrayList<>();
        Matcher m = EXPORT.matcher(Files.readString(CORE.resolve("module-info.java")));
        while (m.find()) packages.add(m.group(1));
        return packages;
    }

    /** The examples of a package's page, with the javadoc's leading " * " taken off. */
    static List<String> examples(String pkg) throws IOException {
        Path info = CORE.resolve(pkg.replace('.', '/')).resolve("package-info.java");
        List<String> examples = new ArrayList<>();
        if (!Files.exists(info)) return examples;
        Matcher m = EXAMPLE.matcher(Files.readString(info, StandardCharsets.UTF_8));
        while (m.find()) examples.add(m.group(1).replaceAll("(?m)^ \\* ?", "") + "\n");
        return examples;
    }

    @Test
    void everyExportedPackageHasAPageWithAnExample() throws IOException {
        List<String> packages = exportedPackages();
        assertTrue(packages.size() >= 10, "module-info exports " + packages);
        List<String> without = new ArrayList<>();
        for (String p : packages) if (examples(p).isEmpty()) without.add(p);
        assertEquals(List.of(), without, "exported packages without a package-info.java example");
    }

    @TestFactory
    Stream<DynamicTest> everyExampleCompilesAndRuns() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String p : exportedPackages()) {
            List<String> ex = examples(p);
            for (int i = 0; i < ex.size(); i++) {
                String label = p + " example " + (i + 1), block = ex.get(i);
                String className = "PackageExample" + p.replace('.', '_') + "_" + (i + 1);
                tests.add(DynamicTest.dynamicTest(label, () -> ReadmeJavaTest.compileAndRun(work, label, className, block)));
            }
        }
        return tests.stream();
    }
}
