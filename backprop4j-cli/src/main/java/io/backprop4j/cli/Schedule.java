package io.backprop4j.cli;

import io.backprop4j.optim.CosineAnnealingLR;
import io.backprop4j.optim.LrSchedule;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.StepLR;

/** {@code train --schedule}: how the learning rate changes from epoch to epoch. */
enum Schedule implements Choices.Choice {
    /** The same rate every epoch. */
    NONE,
    /** Cosine annealing from the rate to 0 at the last epoch ({@link CosineAnnealingLR}). */
    COSINE,
    /** The rate times 0.1 every third of the epochs ({@link StepLR}). */
    STEP;

    /** The schedule over {@code epochs} epochs driving {@code optim}'s rate; null for {@link #NONE}. */
    LrSchedule create(Optimizer optim, int epochs) {
        return switch (this) {
            case NONE -> null;
            case COSINE -> new CosineAnnealingLR(optim, epochs, 0);
            case STEP -> new StepLR(optim, Math.max(1, epochs / 3), 0.1);
        };
    }

    /** The names, for picocli. */
    static final class Names extends Choices.Of<Schedule> {
        Names() {
            super("schedule", Schedule.class);
        }
    }
}
