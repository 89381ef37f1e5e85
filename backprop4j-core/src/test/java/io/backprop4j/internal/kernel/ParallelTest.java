package io.backprop4j.internal.kernel;

import io.backprop4j.BackpropException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int n : new int[] {0, 1, 2, 3, 7, 64, 1000, 100_003}) {
            for (int grain : new int[] {-1, 0, 1, 5, 64, 1 << 20}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                Parallel.forRange(n, grain, (from, to) -> {
                    assertTrue(0 <= from && from < to && to <= n, "chunk [" + from + ", " + to + ") of " + n);
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of n=" + n + ", grain=" + grain);
                }
            }
        }
    }

    @Test
    void smallRangesRunInlineInOneChunk() {
        List<Thread> seen = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        Parallel.forRange(10, 10, (from, to) -> {
            calls.incrementAndGet();
            seen.add(Thread.currentThread());
            assertEquals(0, from);
            assertEquals(10, to);
        });
        assertEquals(1, calls.get());
        assertSame(Thread.currentThread(), seen.get(0));
    }

    /** Inside onCallingThread a range of many grains is one chunk on the caller; after the scope (nested twice) it is split again. */
    @Test
    void onCallingThreadKeepsEveryRangeOnTheCaller() {
        List<Thread> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        try (var outer = Parallel.onCallingThread()) {
            try (var inner = Parallel.onCallingThread()) {
                Parallel.forRange(1000, 1, (from, to) -> {
                    calls.incrementAndGet();
                    seen.add(Thread.currentThread());
                });
            }
            Parallel.forRange(1000, 1, (from, to) -> calls.incrementAndGet());
            outer.close();
            outer.close();   // twice: no effect
        }
        assertEquals(2, calls.get());
        assertEquals(List.of(Thread.currentThread()), seen);
        calls.set(0);
        Parallel.forRange(1000, 1, (from, to) -> calls.incrementAndGet());
        assertEquals(Parallel.threads() == 1 ? 1 : Math.min(1000, 4 * Parallel.threads()), calls.get());
    }

    @Test
    void nestedCallsRunInlineWithoutDeadlock() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            AtomicInteger sum = new AtomicInteger();
            Parallel.forRange(64, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    Parallel.forRange(100, 1, (f, t) -> sum.addAndGet(t - f));
                }
            });
            assertEquals(64 * 100, sum.get());
        });
    }

    @Test
    void concurrentCallersAllComplete() throws InterruptedException {
        int callers = 4;
        int rounds = 2000;
        AtomicInteger total = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            Thread thread = new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    Parallel.forRange(50, 4, (from, to) -> total.addAndGet(to - from));
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(20_000);
        }
        assertEquals(callers * rounds * 50, total.get());
    }

    @Test
    void exceptionsReachTheCallerAndThePoolKeepsWorking() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Parallel.forRange(1000, 1, (from, to) -> {
                    if (from == 0) {
                        throw new IllegalStateException("boom");
                    }
                }));
        assertEquals("boom", e.getMessage());
        AtomicInteger count = new AtomicInteger();
        Parallel.forRange(1000, 1, (from, to) -> count.addAndGet(to - from));
        assertEquals(1000, count.get());
    }

    @Test
    void manyShortCallsAreCheap() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            long[] sink = new long[1];
            for (int r = 0; r < 20_000; r++) {
                Parallel.forRange(2, 1, (from, to) -> sink[0] += 0);
            }
        });
    }

    @Test
    void workersAreNamedDaemons() {
        assertTrue(Parallel.threads() >= 1);
        Parallel.forRange(1000, 1, (from, to) -> { });
        long workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("backprop4j-"))
                .peek(t -> assertTrue(t.isDaemon(), t.getName()))
                .count();
        assertEquals(Parallel.threads() - 1, workers);
    }

    @Test
    void sizeComesFromPropertyThenEnvironmentThenProcessors() {
        assertEquals(3, Parallel.parseThreads("3", "5", 8));
        assertEquals(5, Parallel.parseThreads(null, "5", 8));
        assertEquals(5, Parallel.parseThreads(" ", " 5 ", 8));
        assertEquals(8, Parallel.parseThreads(null, null, 8));
        assertEquals(64, Parallel.parseThreads(null, "64", 8), "8 per processor is allowed");
    }

    /** Each bad value gives one line naming the setting, the value and the range, never a stack of causes. */
    @Test
    void badSizesAreRefusedInOneLine() {
        for (String bad : new String[] {"abc", "0", "-1", "2.5", "65", "100000", "99999999999"}) {
            BackpropException e = assertThrows(BackpropException.class, () -> Parallel.parseThreads(null, bad, 8), bad);
            assertEquals("BACKPROP4J_THREADS=" + bad + ": " + (bad.equals("0") || bad.equals("-1") ? "too few" : bad.matches("\\d{1,9}") ? "too many" : "not a whole number")
                    + "; expected a whole number of threads from 1 to 64 (8 per processor, 8 here)", e.getMessage());
            BackpropException p = assertThrows(BackpropException.class, () -> Parallel.parseThreads(bad, "4", 8), bad);
            assertTrue(p.getMessage().startsWith("-Dbackprop4j.threads=" + bad + ": "), p.getMessage());
        }
    }

    /**
     * A JVM started with a bad setting: the library throws a BackpropException naming it at the
     * first parallel call (and every later one), not an ExceptionInInitializerError, and the
     * public check reports it without starting the pool.
     */
    @Test
    void aBadSettingFailsEachCallWithTheSameMessage() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Dbackprop4j.threads=abc", "-cp", io.backprop4j.testing.ChildJvm.classPath(),
                BadThreadsProbe.class.getName()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String line = "-Dbackprop4j.threads=abc: not a whole number; expected a whole number of threads from 1 to "
                + Parallel.maxThreads();
        assertEquals(3, out.lines().filter(l -> l.startsWith("BackpropException: " + line)).count(), out);
    }

    /** Run in a child JVM by the test above: checkSettings, then two calls, each printing what it threw. */
    static final class BadThreadsProbe {
        public static void main(String[] args) {
            Runnable[] calls = {io.backprop4j.system.Backend::checkSettings,
                () -> Parallel.forRange(100, 1, (from, to) -> { }), Parallel::threads};
            for (Runnable call : calls) {
                try {
                    call.run();
                    System.out.println("no exception");
                } catch (RuntimeException | Error e) {
                    System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
        }
    }
}
