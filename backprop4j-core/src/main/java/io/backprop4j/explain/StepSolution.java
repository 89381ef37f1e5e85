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
     * @param recurrent an rnn layer's hidden-to-hidden quantities and its time steps' parts; null for the others
     */
    public record LayerStep(double[][] net, double[][] output, double[][] outputGrad, double[][] netGrad,
                            double[][] weightsGrad, double[] biasGrad, double[][] weightsUpdated, double[] biasUpdated,
                            double[][] localGrad, double[][][] jacobian, Recurrent recurrent) {

        /** A layer without recurrent parts. */
        public LayerStep(double[][] net, double[][] output, double[][] outputGrad, double[][] netGrad,
                         double[][] weightsGrad, double[] biasGrad, double[][] weightsUpdated, double[] biasUpdated,
                         double[][] localGrad, double[][][] jacobian) {
            this(net, output, outputGrad, netGrad, weightsGrad, biasGrad, weightsUpdated, biasUpdated, localGrad, jacobian, null);
        }

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
                case WEIGHTS_HH_GRAD -> recurrent == null ? null : recurrent.weightsHhGrad();
                case BIAS_HH_GRAD -> recurrent == null || recurrent.biasHhGrad() == null ? null : new double[][] {recurrent.biasHhGrad()};
                case WEIGHTS_HH_UPDATED -> recurrent == null ? null : recurrent.weightsHhUpdated();
                case BIAS_HH_UPDATED -> recurrent == null || recurrent.biasHhUpdated() == null ? null : new double[][] {recurrent.biasHhUpdated()};
                case STEP_WEIGHTS_GRAD -> recurrent == null ? null : rows(recurrent.weightsGradSteps());
                case STEP_WEIGHTS_HH_GRAD -> recurrent == null ? null : rows(recurrent.weightsHhGradSteps());
                case STEP_BIAS_GRAD -> recurrent == null || biasGrad == null && recurrent.biasHhGrad() == null ? null : rows(recurrent.biasGradSteps());
            };
        }

        /** One matrix per step as one row per step, each row-major. */
        static double[][] rows(List<double[][]> steps) {
            double[][] out = new double[steps.size()][];
            for (int t = 0; t < out.length; t++) {
                double[][] m = steps.get(t);
                out[t] = new double[m.length * m[0].length];
                for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out[t], i * m[i].length, m[i].length);
            }
            return out;
        }
    }

    /**
     * An rnn layer's quantities beyond the fields of every layer: those of W_hh and b_hh, the
     * initial state's gradient, and backprop through time step by step. Per-sample values are
     * [batch][T·H] as in {@link LayerStep}; step contributions are one matrix per step t (from 0),
     * summed over the batch, and sum over the steps to the layer's gradients.
     *
     * @param weightsHhGrad ∂L/∂W_hh, [H][H]
     * @param biasHhGrad ∂L/∂b_hh, or null without that bias
     * @param weightsHhUpdated W_hh − η·∂L/∂W_hh, or null without a learning rate
     * @param biasHhUpdated b_hh − η·∂L/∂b_hh, or null
     * @param initialStateGrad ∂L/∂h_0, [batch][H]
     * @param fromAbove the part of ∂L/∂h_t that comes from above (the loss, or the next layer at h_T)
     * @param recurrentGrad the part that comes back from step t + 1: W_hhᵀ·∂L/∂net_{t+1} (0 at the last step)
     * @param weightsGradSteps step t's ∂L/∂net_t·x_tᵀ, per step [H][F]
     * @param biasGradSteps step t's ∂L/∂net_t (the contribution to b_ih and b_hh alike), per step one row [1][H]
     * @param weightsHhGradSteps step t's ∂L/∂net_t·h_{t−1}ᵀ, per step [H][H]
     */
    public record Recurrent(double[][] weightsHhGrad, double[] biasHhGrad, double[][] weightsHhUpdated, double[] biasHhUpdated,
                            double[][] initialStateGrad, double[][] fromAbove, double[][] recurrentGrad,
                            List<double[][]> weightsGradSteps, List<double[][]> biasGradSteps, List<double[][]> weightsHhGradSteps) {
        public Recurrent {
            weightsGradSteps = List.copyOf(weightsGradSteps);
            biasGradSteps = List.copyOf(biasGradSteps);
            weightsHhGradSteps = List.copyOf(weightsHhGradSteps);
        }
    }
}
