package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.system.Backend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings from the environment are checked at start-up like options: a bad BACKPROP4J_THREADS
 * or -Dbackprop4j.threads is one line and exit status 2 before any work (it was a 25-line
 * ExceptionInInitializerError); thread counts are capped; bench compare refuses ratios against
 * PyTorch on the reference BLAS.
 */
class EnvironmentKnobsTest {

    @TempDir
    Path dir;

    /** Runs the CLI in a child JVM (the environment cannot be changed in this one); returns status, stdout, stderr lines. */
    private static Object[] child(String env, String property, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
        if (property != null) cmd.add("-Dbackprop4j.threads=" + property);
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        if (env != null) pb.environment().put("BACKPROP4J_THREADS", env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        return new Object[] {p.waitFor(), out, err};
    }

    @Test
    void badThreadCountsAreOneLineAndStatus2() throws Exception {
        int max = Backend.maxThreads();
        for (String bad : new String[] {"abc", "0", "-1", "2.5", "100000"}) {
            Object[] r = child(bad, null, "explain");
            @SuppressWarnings("unchecked") List<String> err = (List<String>) r[2];
            assertEquals(2, r[0], bad + ": " + err);
            assertEquals(1, err.size(), bad + ": " + err);
            assertTrue(err.get(0).startsWith("backprop4j: BACKPROP4J_THREADS=" + bad + ": ")
                    && err.get(0).endsWith("from 1 to " + max + " (8 per processor, " + Runtime.getRuntime().availableProcessors() + " here)"), err.get(0));
            assertEquals("", r[1], "no work was done");
        }
        Object[] r = child("4", "abc", "explain");
        assertEquals(2, r[0]);
        assertEquals(List.of("backprop4j: -Dbackprop4j.threads=abc: not a whole number; expected a whole number of threads from 1 to "
                + max + " (8 per processor, " + Runtime.getRuntime().availableProcessors() + " here)"), r[2]);
        // A good value runs.
        assertEquals(0, child("1", null, "explain")[0]);
    }

    @Test
    void benchThreadsAreCapped() {
        CliRun r = CliRun.of("bench", "--threads", "100000", "gemm");
        assertEquals(2, r.status());
        assertEquals("backprop4j: --threads 100000: expected a whole number of threads from 1 to " + Backend.maxThreads()
                + " (8 per processor)", r.err().strip());
        assertTrue(r.noStackTrace());
    }

    /** A PyTorch whose process loaded only the reference BLAS: no ratios, the apt-get line instead. */
    @Test
    void compareRefusesTheReferenceBlas() throws Exception {
        Path python = dir.resolve("python3");
        Files.writeString(python, "#!/bin/sh\necho 'torch 1.13.0, threads 2'\necho 'blas: /usr/lib/x86_64-linux-gnu/blas/libblas.so.3'\n"
                + "echo 'gemm n=64: 1.0 GFLOP/s'\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        Path script = dir.resolve("ref.py");
        Files.writeString(script, "# stands in for tools/bench/pytorch_reference.py\n");
        CliRun r = CliRun.of("bench", "--python", python.toString(), "--reference", script.toString(), "--runs", "1",
                "--sizes", "64", "compare", "gemm");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("reference BLAS (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3)")
                && r.err().contains("apt-get install libopenblas0-pthread"), r.err());
        assertTrue(!r.out().contains("ratio"), r.out());
        // Ours ran first and told its machine.
        assertTrue(r.out().contains("machine: "), r.out());
    }

    /** A PyTorch whose OpenBLAS kept two threads when one was asked for: no ratios, the reason instead. */
    @Test
    void compareRefusesABlasOnOtherThreads() throws Exception {
        Path python = dir.resolve("python3");
        Files.writeString(python, "#!/bin/sh\necho 'torch 1.13.0, threads 1'\n"
                + "echo 'blas: /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'\necho 'blas threads: 2'\n"
                + "echo 'gemm n=64: 1.0 GFLOP/s'\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        Path script = dir.resolve("ref.py");
        Files.writeString(script, "# stands in for tools/bench/pytorch_reference.py\n");
        CliRun r = CliRun.of("bench", "--python", python.toString(), "--reference", script.toString(), "--runs", "1",
                "--sizes", "64", "--threads", "1", "compare", "gemm");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("PyTorch's BLAS ran 2 threads, not the 1 of --threads"), r.err());
        assertTrue(r.noStackTrace());
        assertTrue(!r.out().contains("ratio"), r.out());
    }
}
