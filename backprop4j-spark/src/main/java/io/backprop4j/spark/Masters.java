package io.backprop4j.spark;

import io.backprop4j.BackpropException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Opens a Spark context for a master URL, refusing bad ones in one line, quickly: {@code local},
 * {@code local[N]}, {@code local[*]} (Spark embedded in this JVM, the default), or
 * {@code spark://HOST:PORT[,HOST:PORT...]} (a standalone cluster). A standalone master that
 * cannot be reached is named within seconds (a TCP probe, before Spark's own registration, which
 * retries for a minute), and one that gives no executor within {@link #EXECUTOR_WAIT_SECONDS}
 * seconds is refused too, rather than waiting for resources for ever.
 */
public final class Masters {
    /** How long to wait for the first executor of a standalone cluster (property {@code backprop4j.spark.executorWaitSeconds}). */
    public static final int EXECUTOR_WAIT_SECONDS = 20;
    /** How long to wait for a standalone master to accept the application (property {@code backprop4j.spark.registerSeconds}). */
    public static final int REGISTER_SECONDS = 10;
    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9][0-9]{0,4})(,([1-9][0-9]{0,2}))?])?");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:]+]|[A-Za-z0-9._-]+):([0-9]{1,5})");
    private static final int PROBE_MS = 3000;

    private Masters() {}

    /**
     * Checks the syntax of a master URL.
     *
     * @throws BackpropException naming the URL and the forms that are accepted
     */
    public static void check(String master) {
        if (master == null || master.isBlank()) throw new BackpropException("--spark: no master URL; " + forms());
        if (LOCAL.matcher(master).matches()) return;
        if (master.startsWith("spark://")) {
            String rest = master.substring("spark://".length());
            if (rest.isEmpty()) throw new BackpropException("--spark " + master + ": no HOST:PORT after spark://");
            for (String hp : rest.split(",", -1)) {
                Matcher m = HOST_PORT.matcher(hp);
                if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                    throw new BackpropException("--spark " + master + ": '" + hp + "' is not HOST:PORT (a port from 1 to 65535)");
                }
            }
            return;
        }
        throw new BackpropException("--spark " + master + ": not a master URL backprop4j runs on; " + forms());
    }

    private static String forms() {
        return "use local[*], local[N] (Spark embedded in this JVM with N threads) or spark://HOST:PORT (a standalone cluster)";
    }

    /** Whether the master runs in this JVM. */
    public static boolean isLocal(String master) {
        return LOCAL.matcher(master).matches();
    }

    /**
     * A Spark context for {@code master}: the web UI off; the driver on 127.0.0.1 for local mode
     * and for a master on a loopback address; the jars of backprop4j's classes, when they are
     * jars, shipped to the executors.
     *
     * @throws BackpropException in one line naming the URL: a bad URL, a master that cannot be
     *     reached, or one without executors
     */
    public static JavaSparkContext open(String master, String appName) {
        check(master);
        boolean local = isLocal(master);
        boolean loopback = local || reach(master);
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                // One attempt per task in a failing job beyond the first rerun: a deterministic error (a bad model) is named at once.
                .set("spark.task.maxFailures", local ? "1" : "4");
        if (loopback) conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        if (!local) {
            List<String> jars = ownJars();
            if (!jars.isEmpty()) conf.set("spark.jars", String.join(",", jars));
        }
        JavaSparkContext sc;
        if (local) {
            try {
                sc = new JavaSparkContext(conf);
            } catch (Exception e) {
                throw new BackpropException("--spark " + master + ": " + firstLine(e), e);
            }
            return sc;
        }
        sc = register(conf, master);
        awaitExecutors(sc, master);
        return sc;
    }

    /**
     * Creates the context of a standalone master, which registers the application with it; Spark
     * waits up to a minute for an answer (3 tries of 20 s), so a port that accepts connections but
     * is no Spark master is refused here {@link #REGISTER_SECONDS} after Spark's environment is up. The context then still
     * being created stops itself when Spark gives up (or is stopped here should it register late).
     */
    private static JavaSparkContext register(SparkConf conf, String master) {
        int seconds = Integer.getInteger("backprop4j.spark.registerSeconds", REGISTER_SECONDS);
        CountDownLatch registered = new CountDownLatch(1);
        REGISTERED.set(registered);
        String listeners = conf.get("spark.extraListeners", "");
        conf.set("spark.extraListeners", (listeners.isBlank() ? "" : listeners + ",") + Registered.class.getName());
        FutureTask<JavaSparkContext> create = new FutureTask<>(() -> new JavaSparkContext(conf));
        Thread.ofPlatform().daemon().name("backprop4j-spark-register").start(create);
        try {
            // The clock starts once Spark's environment is up (its RPC, block manager, memory: seconds
            // on a busy machine) and stops when the application is registered (Registered is
            // made then); what remains of the context's start is local to this JVM.
            long started = System.nanoTime();
            long deadline = Long.MAX_VALUE;
            while (true) {
                try {
                    return create.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    long now = System.nanoTime();
                    if (registered.getCount() == 0) continue;
                    if (deadline == Long.MAX_VALUE && org.apache.spark.SparkEnv.get() != null) deadline = now + seconds * 1_000_000_000L;
                    if (now > deadline || now - started > (seconds + 120) * 1_000_000_000L) throw e;
                }
            }
        } catch (TimeoutException e) {
            Thread.ofPlatform().daemon().name("backprop4j-spark-late").start(() -> {
                try {
                    create.get().stop();
                } catch (Exception ignored) {
                    // Spark gave up itself.
                }
            });
            throw new BackpropException("--spark " + master + ": no Spark master answered there within " + seconds
                    + " s (is it a Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION() + " master's address?)");
        } catch (ExecutionException e) {
            throw new BackpropException("--spark " + master + ": " + firstLine(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackpropException("--spark " + master + ": interrupted while registering with the master");
        }
    }

    /**
     * Checks that a standalone master answers on TCP (within {@value #PROBE_MS} ms for each of its
     * addresses), before Spark's own registration, which retries for a minute.
     *
     * @return whether every address of the master is a loopback address (the driver then binds to 127.0.0.1)
     * @throws BackpropException naming the URL when no address answers
     */
    public static boolean reach(String master) {
        check(master);
        if (isLocal(master)) return true;
        List<String> problems = new ArrayList<>();
        boolean reached = false;
        boolean allLoopback = true;
        for (String hp : master.substring("spark://".length()).split(",")) {
            Matcher m = HOST_PORT.matcher(hp);
            m.matches();
            String host = m.group(1).replace("[", "").replace("]", "");
            int port = Integer.parseInt(m.group(2));
            try {
                InetAddress a = InetAddress.getByName(host);
                allLoopback &= a.isLoopbackAddress();
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(a, port), PROBE_MS);
                    reached = true;
                }
            } catch (java.net.UnknownHostException e) {
                problems.add(hp + ": unknown host");
            } catch (java.net.SocketTimeoutException e) {
                problems.add(hp + ": no answer within " + PROBE_MS / 1000 + " s");
            } catch (IOException e) {
                problems.add(hp + ": " + String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT));
            }
        }
        if (!reached) throw new BackpropException("--spark " + master + ": cannot reach the master (" + String.join("; ", problems) + ")");
        return allLoopback;
    }

    private static final AtomicReference<CountDownLatch> REGISTERED = new AtomicReference<>();

    /**
     * Made by Spark ({@code spark.extraListeners}) while the context starts, once the application
     * is registered with the master: the sign that a Spark master answered.
     */
    public static final class Registered extends org.apache.spark.scheduler.SparkListener {
        public Registered() {
            CountDownLatch l = REGISTERED.get();
            if (l != null) l.countDown();
        }
    }

    private static void awaitExecutors(JavaSparkContext sc, String master) {
        int seconds = Integer.getInteger("backprop4j.spark.executorWaitSeconds", EXECUTOR_WAIT_SECONDS);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (sc.sc().isStopped()) {
                throw new BackpropException("--spark " + master + ": the master ended the application (is it a Spark master of a compatible version?)");
            }
            // The driver is listed too.
            if (sc.statusTracker().getExecutorInfos().length > 1) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sc.stop();
        throw new BackpropException("--spark " + master + ": no executor started within " + seconds
                + " s (does the master have a live worker with a free core and enough memory? on a slow machine, wait longer with"
                + " -Dbackprop4j.spark.executorWaitSeconds=N)");
    }

    /** The jar files holding backprop4j's classes (core, CLI, this module), for the executors. */
    static List<String> ownJars() {
        List<String> jars = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {io.backprop4j.tensor.Tensor.class, Masters.class}) {
            try {
                var src = c.getProtectionDomain().getCodeSource();
                if (src == null) continue;
                Path p = Path.of(src.getLocation().toURI());
                if (Files.isRegularFile(p) && p.toString().endsWith(".jar") && !jars.contains(p.toString())) jars.add(p.toString());
            } catch (URISyntaxException | SecurityException e) {
                // Not a file: nothing to ship.
            }
        }
        return jars;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
