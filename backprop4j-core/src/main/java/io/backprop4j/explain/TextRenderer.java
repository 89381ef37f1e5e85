package io.backprop4j.explain;

/**
 * Renders a worked step (or a grading report) as plain text with Unicode math:
 * {@code net h₁ = 3·(-0.2) + 1·(-0.1) + (-1)·0.2 + 2·0.2 = -0.5}. Numbers are shown to six
 * significant digits; {@link JsonRenderer} gives them in full.
 */
public final class TextRenderer {
    private TextRenderer() {}

    /** The worked solution: forward pass, loss, backward pass layer by layer, update. */
    public static String render(StepSolution s) {
        return ExplainDoc.build(s).toText();
    }

    /** A grading report: a table per quantity with ✓/✗ per number, then the mistakes found. */
    public static String render(Grader.Report r) {
        return CheckDoc.build(r).toText();
    }
}
