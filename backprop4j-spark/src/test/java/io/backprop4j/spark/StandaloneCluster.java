package io.backprop4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on 127.0.0.1 for the tests: a master and {@code n} workers (one core
 * each), each a JVM of its own started from the Maven jars this test runs with (no Spark
 * installation: SPARK_HOME is an empty folder). The executors the workers start get the same
 * class path through {@code spark.executor.extraClassPath}, which {@link #executorClassPath()}
 * gives for the driver to set.
 */
final class StandaloneCluster implements AutoCloseable {
    private final Path dir;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();
    private final int port;
    private final int uiPort;

    private StandaloneCluster(Path dir, int workers) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("home/jars"));
        this.port = freePort();
        this.uiPort = freePort();
        this.master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--webui-port", Integer.toString(uiPort));
        for (int i = 0; i < workers; i++) {
            Path work = Files.createDirectories(dir.resolve("work" + i));
            this.workers.add(start("worker" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "1g", "--work-dir", work.toString(), "--webui-port", Integer.toString(freePort()), url()));
        }
        awaitWorkers(workers, Duration.ofSeconds(120));
    }

    /** Starts a master and {@code workers} workers, and waits until the master lists them all alive. */
    static StandaloneCluster start(Path dir, int workers) throws IOException, InterruptedException {
        return new StandaloneCluster(dir, workers);
    }

    String url() {
        return "spark://127.0.0.1:" + port;
    }

    /** The test's class path: Spark's jars and backprop4j's classes. */
    static String executorClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(SparkJvmOptionsTest.options());
        cmd.add("-cp");
        cmd.add(executorClassPath());
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", dir.resolve("home").toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().remove("SPARK_MASTER_HOST");
        return pb.start();
    }

    /** The number of workers the master lists as alive (its JSON page). */
    int aliveWorkers() {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + uiPort + "/json/"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("\"aliveworkers\"\\s*:\\s*([0-9]+)").matcher(r.body());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void awaitWorkers(int n, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) throw new IllegalStateException("the Spark master ended:\n" + logs());
            if (aliveWorkers() >= n) return;
            Thread.sleep(250);
        }
        throw new IllegalStateException("the master lists " + aliveWorkers() + " of " + n + " workers after " + limit + ":\n" + logs());
    }

    /**
     * Kills worker {@code i} and the executor it started (SIGKILL, as when a machine dies): the
     * driver loses that executor's tasks and blocks.
     */
    void killWorker(int i) {
        Process w = workers.get(i);
        w.descendants().forEach(ProcessHandle::destroyForcibly);
        w.destroyForcibly();
    }

    /** The last lines of every log, to show with a failure. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(p);
                sb.append("== ").append(p.getFileName()).append('\n');
                for (String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) sb.append(l).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (int i = 0; i < workers.size(); i++) killWorker(i);
        master.destroyForcibly();
        for (Process p : workers) waitFor(p);
        waitFor(master);
    }

    private static void waitFor(Process p) {
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
