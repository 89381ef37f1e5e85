package io.backprop4j.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SplitChoice takes the faster way by its timings and tries the other every {@link SplitChoice#TRIAL_EVERY}th call; a plan's floats never depend on it. */
class SplitChoiceTest {
    /** Runs {@code calls} calls that take {@code splitNanos} or {@code aloneNanos}; returns how many split. */
    private static int run(SplitChoice c, int calls, long splitNanos, long aloneNanos) {
        int splits = 0;
        for (int i = 0; i < calls; i++) {
            boolean split = c.split();
            if (split) splits++;
            c.record(split, split ? splitNanos : aloneNanos);
        }
        return splits;
    }

    @Test
    void theFasterWayWithATrialOfTheOther() {
        var c = new SplitChoice();
        assertTrue(c.split(), "the first call splits");
        c.record(true, 20_000);
        assertFalse(c.split(), "the second runs alone");
        c.record(false, 10_000);
        // alone is faster: of the next 10 x TRIAL_EVERY calls, one in TRIAL_EVERY splits
        int calls = 10 * SplitChoice.TRIAL_EVERY;
        assertEquals(10, run(c, calls, 20_000, 10_000));
        assertArrayEquals(new long[] {20_000, 10_000}, c.estimates());
        // the machine changes: splitting now takes 5 us; the trials see it (each moves the estimate a quarter of
        // the way: 20 -> 16.3 -> 13.4 -> 11.3 -> 9.7 us) and the choice turns at the fourth: of these 320 calls (the
        // 323rd to the 642nd) 126 come before it, of which 3 are trials, and of the 193 after it 6 are trials of alone
        int splits = run(c, calls, 5_000, 10_000);
        assertEquals(4 + 193 - 6, splits, "splits after the change");
        assertEquals(calls - 10, run(c, calls, 5_000, 10_000), "then alone only on trials");
    }

    @Test
    void onePreemptedCallDoesNotTurnTheChoice() {
        var c = new SplitChoice();
        run(c, 2, 10_000, 20_000);
        assertArrayEquals(new long[] {10_000, 20_000}, c.estimates());
        assertTrue(c.split());
        c.record(true, 50_000_000);   // 50 ms: the thread was descheduled
        assertTrue(c.estimates()[0] < 20_000, "capped at 4x: " + c.estimates()[0]);
        assertTrue(c.split(), "still splits");
    }

    /** Batch 1 to 4 through a plan many times, split or not as its choice goes: every call the forward's floats. */
    @Test
    void aPlansFloatsDoNotDependOnTheChoice() {
        var rng = new SplittableRandom(3);
        Sequential cnn = new Sequential(new Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(32 * 7 * 7, 128, rng), new ReLU(), new Linear(128, 10, rng));
        InferencePlan plan = InferencePlan.of(cnn);
        for (int batch = 1; batch <= 4; batch++) {
            Tensor x = Tensor.randn(rng, DType.FLOAT32, batch, 1, 28, 28);
            float[] expected;
            try (var g = NoGrad.enter(); var e = cnn.evalScope()) {
                expected = cnn.forward(x).toFloatArray();
            }
            for (int call = 0; call < 3 * SplitChoice.TRIAL_EVERY; call++) {
                assertArrayEquals(expected, plan.predict(x).toFloatArray(), 0f, "batch " + batch + ", call " + call);
            }
        }
    }
}
