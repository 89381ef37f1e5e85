package io.backprop4j.internal.kernel;

import org.junit.jupiter.api.Test;

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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.parseThreads("0", null, 8));
        assertTrue(e.getMessage().contains("backprop4j.threads"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Parallel.parseThreads(null, "many", 8));
    }
}
