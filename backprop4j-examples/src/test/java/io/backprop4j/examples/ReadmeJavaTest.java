package io.backprop4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every ```java block of the README compiles against the library and runs, each as the body of
 * a main method (its import lines above it), or as written when it is a class of its own, in a
 * JVM of its own, in order, in one folder that
 * starts empty (a block may read the file an earlier one saved, as a reader would): the README
 * cannot drift from the API.
 */
class ReadmeJavaTest {
    private static final Path README = Path.of("../README.md");

    @TempDir
    static Path work;

    /** The ```java blocks, in order. */
    static List<String> blocks() throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : Files.readAllLines(README, StandardCharsets.UTF_8)) {
            if (current == null && line.strip().equals("```java")) {
                current = new StringBuilder();
            } else if (current != null && line.strip().equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompilesAndRuns() throws IOException {
        List<String> blocks = blocks();
        assertTrue(blocks.size() >= 3, "the README has " + blocks.size() + " java blocks");
        return java.util.stream.IntStream.range(0, blocks.size()).mapToObj(i -> DynamicTest.dynamicTest(
                "README java block " + (i + 1) + ": " + firstStatement(blocks.get(i)), () -> compileAndRun(i + 1, blocks.get(i))));
    }

    private static String firstStatement(String block) {
        return block.lines().filter(l -> !l.isBlank() && !l.startsWith("import ")).findFirst().orElse("").strip();
    }

    private static final java.util.regex.Pattern UNIT = java.util.regex.Pattern.compile("(?m)^(?:package ([\\w.]+);)?[\\s\\S]*?^public (?:final )?class (\\w+)");

    private static void compileAndRun(int n, String block) throws Exception {
        String name;
        Path src;
        var unit = UNIT.matcher(block);
        if (unit.find()) {
            // A whole compilation unit (a class of one's own): compiled as written.
            name = (unit.group(1) == null ? "" : unit.group(1) + ".") + unit.group(2);
            src = work.resolve("src").resolve(name.replace('.', '/') + ".java");
            Files.createDirectories(src.getParent());
            Files.writeString(src, block);
        } else {
            StringBuilder imports = new StringBuilder(), body = new StringBuilder();
            for (String line : block.split("\n", -1)) (line.startsWith("import ") ? imports : body).append(line).append('\n');
            name = "ReadmeBlock" + n;
            src = work.resolve("src").resolve(name + ".java");
            Files.createDirectories(src.getParent());
            Files.writeString(src, imports + "\npublic class " + name + " {\n    public static void main(String[] args) throws Exception {\n"
                    + body + "    }\n}\n");
        }
        Path classes = Files.createDirectories(work.resolve("classes"));
        String classPath = System.getProperty("java.class.path");
        var err = new java.io.ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, err, err, "--add-modules", "jdk.incubator.vector",
                "-cp", classPath, "-d", classes.toString(), src.toString());
        assertEquals(0, rc, "README java block " + n + " does not compile:\n" + err.toString(StandardCharsets.UTF_8)
                + "\n" + Files.readString(src));
        Path folder = Files.createDirectories(work.resolve("run"));
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC",
                "-cp", classes + java.io.File.pathSeparator + classPath, name)
                .directory(folder.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "README java block " + n + " did not finish in 2 minutes");
        assertEquals(0, p.exitValue(), "README java block " + n + " failed:\n" + out);
        System.out.println("README java block " + n + ":\n" + out);
    }
}
