package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training killed with SIGKILL (after a checkpoint, and in the middle of writing one) and resumed
 * with --resume ends with the same model file, byte for byte, as an uninterrupted run.
 */
class CheckpointKillTest {
    @TempDir
    static Path dir;

    static final List<String> RECIPE = List.of("train", "--layers", "48", "--dropout", "0.2", "--schedule", "cosine",
            "--epochs", "6", "--seed", "5");
    static byte[] reference;

    @BeforeAll
    static void uninterrupted() throws IOException {
        Path ref = dir.resolve("reference.safetensors");
        CliRun r = CliRun.of(args("--save", ref.toString()));
        assertEquals(0, r.status(), r.err());
        reference = Files.readAllBytes(ref);
    }

    static String[] args(String... more) {
        List<String> a = new ArrayList<>(RECIPE);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The real CLI in a new JVM, with a test hook that pauses inside every checkpoint write. */
    static Process start(long pauseMs, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true",
                "-Dbackprop4j.test.checkpointPauseMs=" + pauseMs, "-cp", cp, "io.backprop4j.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log-" + System.nanoTime() + ".txt").toFile())
                .start();
    }

    static void await(Process p, String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(p.isAlive(), "the run ended before " + what);
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();   // SIGKILL on Unix
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, "killed, not finished");
    }

    static List<Path> temporaryFiles(Path ck) {
        try (Stream<Path> s = Files.list(ck)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private void resumeAndCompare(Path ck, String name) throws IOException {
        Path out = dir.resolve(name);
        CliRun r = CliRun.of(args("--checkpoint-dir", ck.toString(), "--resume", "--save", out.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("resuming after epoch "), r.out());
        assertArrayEquals(reference, Files.readAllBytes(out), "resumed model differs from the uninterrupted one");
    }

    @Test
    void killedAfterAnEpochResumesToTheSameWeights() throws Exception {
        Path ck = dir.resolve("after-epoch");
        Path file = Checkpoint.fileIn(ck);
        Process p = start(300, args("--checkpoint-dir", ck.toString(), "--save", dir.resolve("never.safetensors").toString()));
        await(p, "the first checkpoint", () -> Files.exists(file));
        kill(p);
        int done = Checkpoint.load(file).epoch();
        assertTrue(done >= 1 && done < 6, "stopped at epoch " + done);
        resumeAndCompare(ck, "resumed-1.safetensors");
    }

    @Test
    void killedWhileWritingACheckpointResumesFromTheLastCompleteOne() throws Exception {
        Path ck = dir.resolve("mid-write");
        Path file = Checkpoint.fileIn(ck);
        Process p = start(1500, args("--checkpoint-dir", ck.toString()));
        // The first write completes after its pause; kill during the second one.
        await(p, "the second checkpoint write", () -> Files.exists(file) && !temporaryFiles(ck).isEmpty());
        Thread.sleep(200);
        kill(p);
        assertEquals(1, Checkpoint.load(file).epoch(), "the complete checkpoint of epoch 1 is intact");
        assertTrue(!temporaryFiles(ck).isEmpty(), "a half-written temporary file was left behind");
        resumeAndCompare(ck, "resumed-2.safetensors");
        assertEquals(List.of(), temporaryFiles(ck), "the next write removed the killed writer's temporary file");
    }

    /**
     * Issue 18, item 2: with --patience, killed in the middle of a checkpoint write (the best
     * epoch's weights ride along in the checkpoints after it), then resumed: the same model as a
     * run never interrupted, which stops early and restores its best epoch.
     */
    @Test
    void killedWithPatienceResumesToTheSameWeights() throws Exception {
        List<String> recipe = List.of("train", "--layers", "32", "--batch-norm", "--lr", "0.05", "--epochs", "40", "--patience", "2",
                "--seed", "3");
        Path ref = dir.resolve("patience-reference.safetensors");
        List<String> refArgs = new ArrayList<>(recipe);
        refArgs.addAll(List.of("--save", ref.toString()));
        CliRun r = CliRun.of(refArgs.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("stopped early"), r.out());

        Path ck = dir.resolve("patience");
        Path file = Checkpoint.fileIn(ck);
        List<String> run = new ArrayList<>(recipe);
        run.addAll(List.of("--checkpoint-dir", ck.toString()));
        Process p = start(1000, run.toArray(String[]::new));
        // Kill inside the third write: by then the best epoch may lie behind the checkpoint's own.
        await(p, "the third checkpoint write", () -> Files.exists(file) && !temporaryFiles(ck).isEmpty() && epochOf(file) >= 2);
        Thread.sleep(200);
        kill(p);
        Path out = dir.resolve("patience-resumed.safetensors");
        run.addAll(List.of("--resume", "--save", out.toString()));
        CliRun resumed = CliRun.of(run.toArray(String[]::new));
        assertEquals(0, resumed.status(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming after epoch "), resumed.out());
        assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(out), "resumed model differs from the uninterrupted one");
    }

    static int epochOf(Path checkpoint) {
        try {
            return Checkpoint.load(checkpoint).epoch();
        } catch (RuntimeException e) {
            return 0; // being replaced at this moment
        }
    }

}
