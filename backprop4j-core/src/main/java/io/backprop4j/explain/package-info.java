/**
 * The worked solution of one training step, as a person writes it on paper, and the grading of
 * one worked by hand. {@link io.backprop4j.explain.Explainer} computes a
 * {@link io.backprop4j.explain.NetworkSpec}'s forward pass, loss, gradients and SGD update with
 * the engine itself in float64 (one definition of each formula); the renderers write it as text,
 * markdown, JSON or a web page. {@link io.backprop4j.explain.Grader} compares a person's
 * {@link io.backprop4j.explain.Answers} with it and names each mistake by its root cause
 * (a transposed weight, a missing derivative, a sign, too few digits to judge, ...), apart from the
 * numbers that only carried an earlier mistake forward.
 *
 * <pre>{@code
 * import io.backprop4j.explain.Explainer;
 * import io.backprop4j.explain.NetworkSpec;
 * import io.backprop4j.explain.TextRenderer;
 * import io.backprop4j.loss.Loss;
 * import io.backprop4j.nn.Activation;
 * import java.util.List;
 *
 * var layer = new NetworkSpec.Layer(new double[][] {{0.5, -0.5}, {0.25, 0.75}}, new double[] {0, 0.1},
 *         Activation.byName("sigmoid", null));
 * var spec = new NetworkSpec(new double[][] {{1, 2}}, false, new double[][] {{1, 0}}, List.of(layer),
 *         Loss.MSE, 0.1);
 * System.out.println(TextRenderer.render(Explainer.solve(spec)));
 * }</pre>
 */
package io.backprop4j.explain;
