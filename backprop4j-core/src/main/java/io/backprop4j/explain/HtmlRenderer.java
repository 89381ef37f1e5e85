package io.backprop4j.explain;

/**
 * Renders a worked step (or a grading report) as one self-contained HTML page that opens from a
 * file with no network: the style sheet and the script are inlined, every formula is MathML
 * (rendered by the browser, no font or script needed), and nothing is fetched.
 *
 * <p>The page: the worked solution of {@link TextRenderer} step by step (forward, loss, backward,
 * update, each a section with its own anchor, and a stepper between them); an SVG drawing of the
 * network with one {@code data-unit="L,j"} element per unit (inputs {@code data-unit="in,i"}) and
 * one {@code data-weight="L,i,j"} element per weight (L, i, j from 0, as JSON paths count), where
 * selecting a weight lights up its chain-rule path from the loss and works out its gradient; the
 * chain rule per weight; the spec, the solution ({@link JsonRenderer}) and, for a check, the report
 * as {@code <script type="application/json">} blocks with ids {@code spec}, {@code solution} and
 * {@code report}. Everything is in the page without the script too (print it, or read it with
 * scripts off).
 *
 * <p>A check page puts each of the person's numbers in place with {@code data-correct="true|false"},
 * the true value and the diagnosis beside each wrong one, and a summary of the mistakes, each with
 * the numbers carried over from it ({@link Grader.Report#causes()}).
 */
public final class HtmlRenderer {
    private HtmlRenderer() {}

    /** The worked solution as a page. */
    public static String render(StepSolution s) {
        return new HtmlPage(s, null, HtmlPage.Mode.EXPLAIN).page(null, null);
    }

    /** A grading report as a page: the worked solution with the person's numbers in place. */
    public static String render(Grader.Report r) {
        return new HtmlPage(r.solution(), r, HtmlPage.Mode.CHECK).page(null, null);
    }

    /**
     * The page with an empty field for every number, to be graded as they are typed (the local
     * workbench of {@code backprop4j serve}).
     *
     * @param controls HTML placed before the page's content (the spec editor), or null
     * @param script a script run after the page's own, or null
     */
    public static String workbench(StepSolution s, String controls, String script) {
        return new HtmlPage(s, null, HtmlPage.Mode.WORKBENCH).page(controls, script);
    }

    /** The content of the workbench page's {@code <main>} element, to replace it when the spec changes. */
    public static String workbenchMain(StepSolution s) {
        return new HtmlPage(s, null, HtmlPage.Mode.WORKBENCH).main();
    }

    /**
     * A grading for the workbench page as JSON: {@code {"summary": HTML, "marks": {path: {"correct",
     * "truth", "why": HTML or null}}}}, the same words and grouping as the check page.
     */
    public static String grading(Grader.Report r) {
        return new HtmlPage(r.solution(), r, HtmlPage.Mode.WORKBENCH).grading();
    }
}
