package io.backprop4j.cli;

import io.backprop4j.explain.TextRenderer;
import java.io.PrintWriter;

/** What {@code backprop4j} with no command does: explains exercise 6.1 (the embedded default). */
final class DefaultJob {
    private DefaultJob() {}

    static void run(PrintWriter out) {
        out.print(TextRenderer.render(ExplainCommand.solve(null)));
        out.flush();
    }
}
