package io.backprop4j.explain;

import io.backprop4j.explain.Diagnosis.Kind;
import io.backprop4j.explain.MistakesTest.Plant;
import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Tanh;
import java.util.List;
import java.util.Random;

/**
 * The planted cases of the convolution and pooling entries of the mistake table, for
 * {@link MistakesTest}: each mistaken value worked out here in plain loops over the spec's numbers
 * (the test's own oracle, not the engine).
 *
 * <p>The networks: a 1 x 5 x 5 image, a conv2d of 2 filters 1 x 3 x 3 at stride 2, padding 1
 * (tanh, bias) giving 2 x 3 x 3, a 2 x 2 pool at stride 1 (max in {@link #MAX}, average in
 * {@link #AVG}) giving 2 x 2 x 2, flatten, a dense softmax layer of 2, cross-entropy.
 */
final class ConvMistakeCases {
    static final NetworkSpec MAX = spec(NetworkSpec.Kind.MAX_POOL2D, 31);
    static final StepSolution SMAX = Explainer.solve(MAX);
    static final NetworkSpec AVG = spec(NetworkSpec.Kind.AVG_POOL2D, 37);
    static final StepSolution SAVG = Explainer.solve(AVG);

    private ConvMistakeCases() {}

    static NetworkSpec spec(NetworkSpec.Kind pool, long seed) {
        Random r = new Random(seed);
        double[][][][] w = new double[2][1][3][3];
        for (double[][][] o : w) for (double[][] c : o) for (double[] row : c) for (int j = 0; j < 3; j++) row[j] = round(r);
        double[][] x = new double[1][25];
        for (int i = 0; i < 25; i++) x[0][i] = round(r) * 2;
        double[][] dense = new double[8][2];
        for (double[] row : dense) for (int j = 0; j < 2; j++) row[j] = round(r);
        return new NetworkSpec(x, false, new int[] {1, 5, 5}, new double[][] {{0, 1}}, List.of(
                NetworkSpec.Layer.conv2d(w, new double[] {round(r), round(r)}, new Tanh(), 2, 1),
                NetworkSpec.Layer.pool(pool, 2, 1),
                NetworkSpec.Layer.flatten(),
                new NetworkSpec.Layer(dense, null, new Softmax())),
                Loss.CROSS_ENTROPY, 0.1);
    }

    private static double round(Random r) {
        return Math.round((r.nextDouble() * 2 - 1) * 1000) / 1000.0;
    }

    /**
     * net[o][i][j] of the spec's convolution with window (i, j) at rows {@code i·rs + r0 + u},
     * columns {@code j·rs + r0 + v} of the unpadded input (0 outside), the kernel turned by 180°
     * when {@code flip}: the true net is rs = 2, r0 = −1, no flip.
     */
    static double net(NetworkSpec spec, int o, int i, int j, int rs, int r0, boolean flip) {
        NetworkSpec.Layer conv = spec.layers().get(0);
        double sum = conv.bias()[o];
        for (int u = 0; u < 3; u++) {
            for (int v = 0; v < 3; v++) {
                int y = i * rs + r0 + u;
                int x = j * rs + r0 + v;
                if (y < 0 || y >= 5 || x < 0 || x >= 5) continue;
                double w = flip ? conv.weights()[o][(2 - u) * 3 + (2 - v)] : conv.weights()[o][u * 3 + v];
                sum += w * spec.input()[0][y * 5 + x];
            }
        }
        return sum;
    }

    /** dL/dW[o][0][u][v] with the kernel flipped in the forward pass: the true gradient turned by 180°. */
    static double flippedWeightGrad(StepSolution s, int o, int u, int v) {
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                int y = i * 2 - 1 + (2 - u);
                int x = j * 2 - 1 + (2 - v);
                if (y < 0 || y >= 5 || x < 0 || x >= 5) continue;
                sum += s.layers().get(0).netGrad()[0][o * 9 + i * 3 + j] * s.spec().input()[0][y * 5 + x];
            }
        }
        return sum;
    }

    /** Σ over the 2 x 2 windows (stride 1) of the 3 x 3 map that hold (y, x) of channel c: the pool's output gradient there. */
    static double windowsSum(StepSolution s, int c, int y, int x) {
        double sum = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                if (y >= i && y < i + 2 && x >= j && x < j + 2) sum += s.layers().get(1).outputGrad()[0][c * 4 + i * 2 + j];
            }
        }
        return sum;
    }

    /** The avg pool's output (i, j) of channel c as the window's sum. */
    static double windowSum(StepSolution s, int c, int i, int j) {
        double sum = 0;
        for (int u = 0; u < 2; u++) for (int v = 0; v < 2; v++) sum += s.layers().get(0).output()[0][c * 9 + (i + u) * 3 + j + v];
        return sum;
    }

    static void add() {
        String flipped = "the kernel flipped: a convolution (kernel turned by 180°) where the layer computes a correlation "
                + "(the kernel slides unflipped, w_{o,c,u,v} meets x_{c,i+u,j+v})";
        MistakesTest.add(
                new Plant("kernel flipped", MAX, SMAX, 0, Field.NET, 0, 1 * 9 + 1 * 3 + 2, net(MAX, 1, 1, 2, 2, -1, true), Kind.CONVOLUTION, flipped),
                new Plant("kernel flipped", MAX, SMAX, 0, Field.WEIGHTS_GRAD, 0, 1 * 3 + 0, flippedWeightGrad(SMAX, 0, 1, 0), Kind.CONVOLUTION, flipped));
        MistakesTest.add(new Plant("padding offset left out", MAX, SMAX, 0, Field.NET, 0, 4, net(MAX, 0, 1, 1, 2, 0, false), Kind.CONVOLUTION,
                "the padding offset left out: window (i, j) started at row i·s, column j·s of the unpadded input, not at i·s − p, j·s − p"));
        MistakesTest.add(new Plant("padding offset counted twice", MAX, SMAX, 0, Field.NET, 0, 9 + 4, net(MAX, 1, 1, 1, 2, -2, false),
                Kind.CONVOLUTION, "the padding offset counted twice: window (i, j) started at row i·s − 2p, column j·s − 2p, not at i·s − p, j·s − p"));
        MistakesTest.add(new Plant("stride left out of the offset", MAX, SMAX, 0, Field.NET, 0, 2 * 3 + 2, net(MAX, 0, 2, 2, 1, -1, false),
                Kind.CONVOLUTION, "the stride left out of the offset: window (i, j) started at row i − p, column j − p, not at i·s − p, j·s − p"));
        // the max pool's gradient: output_grad of the conv layer at channel 1, row 1, column 1 (in all four windows)
        MistakesTest.add(new Plant("max-pool gradient spread over the window", MAX, SMAX, 0, Field.OUTPUT_GRAD, 0, 9 + 4,
                windowsSum(SMAX, 1, 1, 1), Kind.POOLING,
                "the max-pool gradient spread over the whole window: every input of a window got its gradient, not only the input that won it"));
        MistakesTest.add(new Plant("average's share left out", AVG, SAVG, 0, Field.OUTPUT_GRAD, 0, 4, windowsSum(SAVG, 0, 1, 1), Kind.POOLING,
                        "the average's share left out: each input of a window got the window's whole gradient, not 1/4 of it"),
                new Plant("average's share left out", AVG, SAVG, 1, Field.OUTPUT, 0, 4 + 1, windowSum(SAVG, 1, 0, 1), Kind.POOLING,
                        "the average's share left out: the window's sum, not its mean (the 1/4 missing)"));
    }
}
