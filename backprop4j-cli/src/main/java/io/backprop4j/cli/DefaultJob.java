package io.backprop4j.cli;

import java.io.PrintWriter;

/** What {@code backprop4j} with no command does: works exercise 6.1 (the embedded default). */
final class DefaultJob {
    private DefaultJob() {}

    static void run(PrintWriter out) {
        SeedExercise.print(out);
    }
}
