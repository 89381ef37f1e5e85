package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bin/backprop4j wrapper (issue 18, items 7 and 10), run on a copy of itself with a stand-in
 * for java that records its arguments and writes a message holding a NUL byte to stderr: the
 * message must come through byte for byte (a plain grep filter turned it into "binary file
 * matches") while the JVM's incubator warning line is dropped,
 * and the young generation the wrapper asks for must fit the heap (-Xmn128m under a small -Xmx
 * made the JVM print two warnings).
 */
class WrapperTest {
    @TempDir
    static Path dir;

    static Path root;
    static Path fakeJdk;

    static final byte[] MESSAGE = "backprop4j: x.csv, line 2: found '\u0000' in a field\n".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void copyTheWrapper() throws IOException {
        Path repo = Path.of(System.getProperty("user.dir")).getParent(); // surefire runs in backprop4j-cli/
        Path wrapper = repo.resolve("bin/backprop4j");
        assumeTrue(Files.isRegularFile(wrapper) && Files.isExecutable(Path.of("/bin/bash")), "no bin/backprop4j or bash");
        root = dir.resolve("repo");
        Files.createDirectories(root.resolve("bin/lib"));
        Files.copy(wrapper, root.resolve("bin/backprop4j"));
        Files.copy(repo.resolve("bin/lib/common.sh"), root.resolve("bin/lib/common.sh"));
        Files.createDirectories(root.resolve("backprop4j-cli/target"));
        Files.write(root.resolve("backprop4j-cli/target/backprop4j.jar"), new byte[0]); // no sources here: never stale
        fakeJdk = dir.resolve("jdk");
        Files.createDirectories(fakeJdk.resolve("bin"));
        Path java = fakeJdk.resolve("bin/java");
        Files.writeString(java, """
                #!/bin/sh
                case " $* " in *" -XshowSettings:properties "*) echo "    java.specification.version = 25" >&2; exit 0 ;; esac
                printf '%s\\n' "$@" > "$FAKE_JAVA_ARGS"
                printf 'WARNING: Using incubator modules: jdk.incubator.vector\\n' >&2
                printf 'backprop4j: x.csv, line 2: found '"'"'\\000'"'"' in a field\\n' >&2
                exit 2
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    record Run(int status, byte[] err, List<String> javaArgs) {}

    static Run run(String javaOpts) throws Exception {
        Path args = Files.createTempFile(dir, "args", ".txt");
        Path err = Files.createTempFile(dir, "err", ".bin");
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", root.resolve("bin/backprop4j").toString(), "train", "--data", "x.csv")
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", fakeJdk.toString());
        env.put("FAKE_JAVA_ARGS", args.toString());
        env.remove("JAVA_TOOL_OPTIONS");
        env.remove("JDK_JAVA_OPTIONS");
        if (javaOpts == null) env.remove("BACKPROP4J_JAVA_OPTS");
        else env.put("BACKPROP4J_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the wrapper finished");
        return new Run(p.exitValue(), settled(err), Files.readAllLines(args));
    }

    /**
     * The file's bytes once its writer is done: stderr goes through a filter process, which may
     * write its last line just after java has exited.
     */
    static byte[] settled(Path file) throws Exception {
        byte[] last = Files.readAllBytes(file);
        for (int quiet = 0, tries = 0; quiet < 3 && tries < 100; tries++) {
            Thread.sleep(50);
            byte[] now = Files.readAllBytes(file);
            quiet = java.util.Arrays.equals(now, last) ? quiet + 1 : 0;
            last = now;
        }
        return last;
    }

    @Test
    void stderrPassesThroughByteForByte() throws Exception {
        Run r = run(null);
        assertEquals(2, r.status(), "the exit status is java's");
        assertFalse(new String(r.err(), StandardCharsets.ISO_8859_1).contains("binary file matches"));
        // The JVM's incubator line is dropped, and only it: the message with its NUL byte comes through whole.
        assertArrayEquals(MESSAGE, r.err(), new String(r.err(), StandardCharsets.ISO_8859_1));
    }

    /** The -XX:MaxNewSize the wrapper passed, in KiB; -1 when none. */
    static long youngK(Run r) {
        return r.javaArgs().stream().filter(a -> a.startsWith("-XX:MaxNewSize=")).mapToLong(a -> Long.parseLong(
                a.substring("-XX:MaxNewSize=".length(), a.length() - 1))).findFirst().orElse(-1);
    }

    @Test
    void theYoungGenerationFitsTheHeap() throws Exception {
        assertEquals(25 * 1024, youngK(run("-Xmx100m")), "a quarter of a small heap");
        assertEquals(192 * 1024, youngK(run("-Xmx4g")), "at most 192 MiB under the wrapper's ParallelGC");
        assertEquals(128 * 1024, youngK(run("-XX:+UseG1GC -Xmx4g")), "at most 128 MiB under another collector");
        assertEquals(128 * 1024, youngK(run("-XX:MaxHeapSize=2g -Xms64m")));
        assertEquals(-1, youngK(run("-Xmx1g -Xmn64m")), "the user's own sizing alone");
        assertEquals(-1, youngK(run("-XX:MaxRAMPercentage=10")), "a heap the wrapper cannot foresee: the JVM's own sizing");
        assertFalse(run("-Xmx100m").javaArgs().contains("-Xmn128m"));
        long byDefault = youngK(run(null));
        assertTrue(byDefault > 0 && byDefault <= 192 * 1024, "with the default heap: " + byDefault);
        List<String> args = run("-Xmx100m -Dx=1").javaArgs();
        assertTrue(args.indexOf("-Xmx100m") > args.indexOf("-XX:MaxNewSize=25600k") && args.contains("-Dx=1"), args.toString());
    }

    /**
     * Under the ParallelGC it picks, the wrapper fixes the young generation (NewSize = MaxNewSize,
     * an initial heap twice that) and its survivors (a fifth each, no adaptive policy); options
     * that set the initial heap, the survivors or the policy, or another collector, get only the
     * MaxNewSize limit.
     */
    @Test
    void theWrappersParallelGcHasAFixedYoungGenerationAndSurvivors() throws Exception {
        for (String heap : new String[] {null, "-Xmx100m", "-Xmx4g"}) {
            List<String> args = run(heap).javaArgs();
            long young = youngK(run(heap));
            assertTrue(args.contains("-XX:NewSize=" + young + "k") && args.contains("-Xms" + 2 * young + "k"), heap + ": " + args);
            assertTrue(args.contains("-XX:-UseAdaptiveSizePolicy") && args.contains("-XX:SurvivorRatio=3"), heap + ": " + args);
        }
        for (String own : new String[] {"-Xms1g", "-XX:SurvivorRatio=6", "-XX:+UseAdaptiveSizePolicy", "-XX:+UseG1GC", "-XX:+UseSerialGC"}) {
            List<String> args = run(own + " -Xmx4g").javaArgs();
            assertEquals(128 * 1024, youngK(run(own + " -Xmx4g")), own);
            assertTrue(args.stream().noneMatch(a -> a.startsWith("-XX:NewSize=") || a.equals("-XX:-UseAdaptiveSizePolicy")
                    || a.equals("-XX:SurvivorRatio=3") || a.startsWith("-Xms") && !a.equals(own)), own + ": " + args);
        }
    }

    @Test
    void parallelGcUnlessTheOptionsPickACollector() throws Exception {
        List<String> byDefault = run(null).javaArgs();
        assertTrue(byDefault.contains("-XX:+UseParallelGC"), byDefault.toString());
        List<String> g1 = run("-XX:+UseG1GC -Xmx1g").javaArgs();
        assertTrue(g1.contains("-XX:+UseG1GC") && !g1.contains("-XX:+UseParallelGC"), "one collector only (the JVM refuses two): " + g1);
        assertEquals(128 * 1024, youngK(run("-XX:+UseSerialGC -Xmx512m")), "another collector: the MaxNewSize limit alone");
    }

    @Test
    void theRealJvmPrintsNoWarningWithThoseSizes() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        for (String heap : new String[] {"-Xmx100m", "-Xmx64m", "-Xmx4g"}) {
            Run r = run(heap);
            List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseParallelGC"));
            r.javaArgs().stream().filter(a -> a.startsWith("-Xmn") || a.startsWith("-Xms") || a.startsWith("-XX:") && (a.contains("NewSize")
                    || a.contains("Survivor") || a.contains("AdaptiveSize"))).forEach(cmd::add);
            cmd.add(heap);
            cmd.add("-version");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertFalse(out.toLowerCase(Locale.ROOT).contains("warning"), cmd + ": " + out);
        }
    }
}
