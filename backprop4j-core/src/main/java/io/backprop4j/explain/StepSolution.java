package io.backprop4j.explain;

import java.util.List;

/**
 * Every quantity of one worked training step, as recorded from the engine in float64: per layer
 * the net input, the output, their gradients, the weight and bias gradients and, with a learning
 * rate, the updated parameters. Per-sample quantities are [batch][units] even for one sample;
 * {@link NetworkSpec#batched()} says how to show them.
 *
 * @param spec the network this solves
 * @param loss the loss value
 * @param layers one entry per layer, in order
 */
public record StepSolution(NetworkSpec spec, double loss, List<LayerStep> layers) {

    public StepSolution {
        layers = List.copyOf(layers);
    }

    /**
     * The recorded quantities of one layer.
     *
     * @param net [batch][units]: in · W + b
     * @param output [batch][units]: f(net)
     * @param outputGrad [batch][units]: dL/d(output)
     * @param netGrad [batch][units]: dL/d(net)
     * @param weightsGrad [inputs][units]: dL/dW, summed over the batch
     * @param biasGrad [units], or null without a bias
     * @param weightsUpdated W − η·dL/dW, or null without a learning rate
     * @param biasUpdated b − η·dL/db, or null
     * @param localGrad [batch][units]: f'(net) for element-wise activations; null for softmax
     * @param jacobian [batch][units][units]: ∂s_i/∂z_j for softmax layers (null otherwise, or
     *     when the layer is too wide to show)
     */
    public record LayerStep(double[][] net, double[][] output, double[][] outputGrad, double[][] netGrad,
                            double[][] weightsGrad, double[] biasGrad, double[][] weightsUpdated, double[] biasUpdated,
                            double[][] localGrad, double[][][] jacobian) {

        /** A field as a matrix: bias fields as one row; null when the layer has no such value. */
        public double[][] get(Field field) {
            return switch (field) {
                case NET -> net;
                case OUTPUT -> output;
                case OUTPUT_GRAD -> outputGrad;
                case NET_GRAD -> netGrad;
                case WEIGHTS_GRAD -> weightsGrad;
                case BIAS_GRAD -> biasGrad == null ? null : new double[][] {biasGrad};
                case WEIGHTS_UPDATED -> weightsUpdated;
                case BIAS_UPDATED -> biasUpdated == null ? null : new double[][] {biasUpdated};
            };
        }
    }
}
