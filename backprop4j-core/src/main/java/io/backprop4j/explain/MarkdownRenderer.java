package io.backprop4j.explain;

/** Renders a worked step (or a grading report) as Markdown with LaTeX math ({@code $h_{1}$}). */
public final class MarkdownRenderer {
    private MarkdownRenderer() {}

    /** The worked solution, as {@link TextRenderer#render(StepSolution)} but in Markdown. */
    public static String render(StepSolution s) {
        return ExplainDoc.build(s).toMarkdown();
    }

    /** A grading report in Markdown. */
    public static String render(Grader.Report r) {
        return CheckDoc.build(r).toMarkdown();
    }
}
