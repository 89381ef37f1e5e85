package io.backprop4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.backprop4j.internal.kernel.Parallel;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Handoff#split} runs each part exactly once, whoever takes it, and rethrows a part's exception. */
class HandoffTest {
    @Test
    void eachPartRunsOnceAndErrorsComeBack() {
        Handoff h = Handoff.tryAcquire();
        if (Parallel.threads() < 2) {
            assertNull(h);
            return;
        }
        try {
            assertNull(Handoff.tryAcquire(), "held by this caller");
            int calls = 20_000;
            AtomicIntegerArray runs = new AtomicIntegerArray(2 * calls);
            int[] call = {0};
            Handoff.Task t = part -> runs.incrementAndGet(2 * call[0] + part);
            for (call[0] = 0; call[0] < calls; call[0]++) {
                h.split(t);
                assertEquals(1, runs.get(2 * call[0]), "part 0 of call " + call[0]);
                assertEquals(1, runs.get(2 * call[0] + 1), "part 1 of call " + call[0]);
            }
            var boom = new IllegalStateException("part 1");
            for (int i = 0; i < 50; i++) {
                assertSame(boom, assertThrows(IllegalStateException.class, () -> h.split(part -> {
                    if (part == 1) throw boom;
                })));
            }
            AtomicIntegerArray after = new AtomicIntegerArray(2);
            h.split(part -> after.incrementAndGet(part));   // still works after errors
            assertEquals(1, after.get(0));
            assertEquals(1, after.get(1));
        } finally {
            h.release();
        }
        Handoff again = Handoff.tryAcquire();
        assertSame(h, again);
        again.release();
    }
}
