package io.backprop4j.explain;

import io.backprop4j.explain.Diagnosis.Kind;
import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.Identity;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Softmax;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The mistakes the grader recognises: a table with one entry per hypothesis, tried in table
 * order. At a {@link Site} (one quantity of one layer, on a basis: the true values or the
 * person's own) each entry gives the values the quantity would have under its mistake, worked
 * with the engine ({@link Steps}: the same modules, losses and backward passes as the truth, with
 * one input swapped or one term dropped), or nothing where it does not apply.
 *
 * <p>The table, by quantity (the loss, then the layer fields):
 * <ul>
 *   <li>loss: another loss's value; BCE with only the y·ln p or only the (1 − y)·ln(1 − p) terms;
 *       log base 10;
 *   <li>net: the bias left out; the weights transposed;
 *   <li>output: another activation's output;
 *   <li>output_grad: another loss's gradient; the partial BCE gradients (output layer); the next
 *       layer's activation derivative skipped; only one path through the next layer;
 *   <li>net_grad: the softmax coupling missing; the derivative left out; another activation's
 *       derivative;
 *   <li>weights_grad: the input factor left out; the derivative skipped; the previous layer's net
 *       as the input; one sample only; transposed;
 *   <li>bias_grad: the derivative skipped; one sample only;
 *   <li>every field but the updates: sign flipped; a factor (the batch size, the output count,
 *       2, ½);
 *   <li>convolutions (at net, weights_grad, and the output_grad of the layer below): the kernel
 *       flipped (a convolution where the layer computes a correlation); the padding offset left
 *       out or counted twice; the stride left out of the window's offset;
 *   <li>pooling: a max pool's gradient spread over its whole window (in full, or shared out as
 *       for an average); an average's 1/k share left out (of its output, or of the gradient);
 *   <li>a dense layer on every state of an rnn: the loss summed over the steps where cross-entropy
 *       averages over them (a factor of T); at its quantities only the loss, factor, sign and
 *       update entries are tried;
 *   <li>recurrent layers (backprop through time): only the last step's contribution to a weight or
 *       bias gradient; the recurrent path W_hhᵀ·∂L/∂net_{t+1} left out of ∂L/∂h_t (and of the
 *       gradients); tanh' forgotten at a step (in its net_grad, in the recurrent path, or in the
 *       gradients that follow); h_t used for h_{t−1} in ∂L/∂W_hh; the same at each step's part of a
 *       gradient (the steps section: the recurrent path left out, tanh' forgotten at a step, h_t
 *       for h_{t−1} in step t's part of ∂L/∂W_hh). At an rnn layer only these,
 *       the sign, the factors and the update entries are tried;
 *   <li>updates: the gradient added; the mirrored gradient; a factor on the step.
 * </ul>
 */
final class Mistakes {
    private Mistakes() {}

    /**
     * Where hypotheses are tried: quantity {@code field} of {@code layer} (field null: the loss),
     * on a basis of values, whose own value there is {@code right}.
     */
    record Site(Steps steps, int layer, Field field, Steps.Values values, double[][] right) {
        NetworkSpec spec() {
            return steps.spec();
        }

        NetworkSpec.Layer spec(int l) {
            return spec().layers().get(l);
        }

        Activation act(int l) {
            return spec(l).activation();
        }

        String actName() {
            return act(layer).specName();
        }

        double[][] get(int l, Field f) {
            return values.get(l, f);
        }

        double[][] input() {
            return steps.input(layer, values);
        }

        int batch() {
            return spec().batch();
        }

        boolean lastLayer() {
            return layer == spec().layers().size() - 1;
        }

        /** The last layer's output on this basis: what the loss is computed from. */
        double[][] prediction() {
            return get(spec().layers().size() - 1, Field.OUTPUT);
        }

        boolean is(Field f) {
            return field == f;
        }

        /** Whether layer l is a dense layer. */
        boolean dense(int l) {
            return spec(l).kind() == NetworkSpec.Kind.DENSE;
        }

        boolean update() {
            return field != null && field.update();
        }

        /** Whether the site is a quantity of an rnn layer. */
        boolean rnn() {
            return field != null && spec(layer).kind() == NetworkSpec.Kind.RNN;
        }
    }

    /** A value the quantity would have under a mistake, and the sentence naming the mistake. */
    record Candidate(Kind kind, String text, double[][] values) {}

    /** One hypothesis: a short name (for tests and reading) and its candidates at a site. */
    record Mistake(String name, Function<Site, List<Candidate>> candidates) {}

    /** Every hypothesis, in the order they are tried. */
    static final List<Mistake> TABLE = List.of(
            new Mistake("another loss", Mistakes::anotherLoss),
            new Mistake("only the y·ln p terms of BCE", s -> bcePart(s, true)),
            new Mistake("only the (1 − y)·ln(1 − p) terms of BCE", s -> bcePart(s, false)),
            new Mistake("log base 10", Mistakes::log10),
            new Mistake("bias left out", Mistakes::biasLeftOut),
            new Mistake("weights transposed in net", Mistakes::weightsTransposed),
            new Mistake("softmax coupling missing", Mistakes::couplingMissing),
            new Mistake("activation derivative left out", Mistakes::derivativeLeftOut),
            new Mistake("another activation", Mistakes::anotherActivation),
            new Mistake("input factor left out", Mistakes::inputFactorLeftOut),
            new Mistake("activation derivative skipped", Mistakes::derivativeSkipped),
            new Mistake("one path only", Mistakes::onePathOnly),
            new Mistake("previous net as input", Mistakes::previousNetAsInput),
            new Mistake("one sample only", Mistakes::oneSampleOnly),
            new Mistake("kernel flipped", s -> convVariant(s, Steps.Variant.FLIPPED)),
            new Mistake("padding offset left out", s -> convVariant(s, Steps.Variant.PAD_AFTER)),
            new Mistake("padding offset counted twice", s -> convVariant(s, Steps.Variant.PAD_BEFORE)),
            new Mistake("stride left out of the offset", s -> convVariant(s, Steps.Variant.STRIDE_ONE)),
            new Mistake("max-pool gradient spread over the window", Mistakes::maxPoolSpread),
            new Mistake("average's share left out", Mistakes::averageShareLeftOut),
            new Mistake("only the last step's contribution", Mistakes::lastStepOnly),
            new Mistake("recurrent path left out", Mistakes::recurrentPathLeftOut),
            new Mistake("tanh' forgotten at a step", Mistakes::tanhForgotten),
            new Mistake("h_t used for h_{t−1}", Mistakes::stateForPrevious),
            new Mistake("gradient added", Mistakes::gradientAdded),
            new Mistake("update transposed", Mistakes::updateTransposed),
            new Mistake("update factor", Mistakes::updateFactor),
            new Mistake("sign flipped", Mistakes::signFlipped),
            new Mistake("value transposed", Mistakes::valueTransposed),
            new Mistake("factor", Mistakes::factor));

    /** The candidates of every entry at the site, in table order. */
    static List<Candidate> candidates(Site s) {
        List<Candidate> out = new ArrayList<>();
        for (Mistake m : TABLE) {
            if (s.rnn() && !RNN_ENTRIES.contains(m.name())) continue;
            if (s.field() != null && s.spec().everyStep(s.layer()) && !EVERY_STEP_ENTRIES.contains(m.name())) continue;
            out.addAll(m.candidates().apply(s));
        }
        return out;
    }

    /** The entries tried at an rnn layer's quantities: those of backprop through time, and the ones that hold for any value. */
    private static final java.util.Set<String> RNN_ENTRIES = java.util.Set.of("only the last step's contribution", "recurrent path left out",
            "tanh' forgotten at a step", "h_t used for h_{t−1}", "gradient added", "update factor", "sign flipped", "factor");

    /**
     * The entries tried at a dense layer on every state: those of the loss, the updates and any
     * value (the others work a dense layer's links on one row per sample, not per step).
     */
    private static final java.util.Set<String> EVERY_STEP_ENTRIES = java.util.Set.of("another loss", "only the y·ln p terms of BCE",
            "only the (1 − y)·ln(1 − p) terms of BCE", "gradient added", "update transposed", "update factor", "sign flipped", "value transposed", "factor");

    private static Candidate c(Kind kind, String text, double[][] values) {
        return new Candidate(kind, text, values);
    }

    // ------------------------------------------------------------------------------ the loss

    /** The value (at the loss) or the gradient (at the output layer's output_grad) of each other loss. */
    private static List<Candidate> anotherLoss(Site s) {
        List<Candidate> out = new ArrayList<>();
        Loss own = s.spec().loss();
        for (Loss other : NetworkSpec.LOSSES) {
            if (other == own) continue;
            if (s.field() == null) {
                out.add(c(Kind.OTHER_LOSS, "the value of " + other.specName() + ", not " + own.specName(),
                        Steps.lossValue(s.steps().loss(other), s.prediction())));
            } else if (s.is(Field.OUTPUT_GRAD) && s.lastLayer()) {
                out.add(c(Kind.OTHER_LOSS, "the gradient of " + other.specName() + ", not " + own.specName(),
                        Steps.lossGradient(s.steps().loss(other), s.prediction())));
            }
        }
        return out;
    }

    /**
     * Binary cross-entropy with half its terms: {@code yTerms} keeps −(1/N)·Σ y·ln p, else
     * −(1/N)·Σ (1 − y)·ln(1 − p); its value at the loss, its gradient at the output layer.
     * Each half is the engine's cross-entropy on one element per row (so its mean is over all N
     * elements), zero-target terms left out (0·ln 0 = 0); unlike BCE it does not clamp the logs
     * at −100, which matters only for p within 1e-43 of 0 or 1.
     */
    private static List<Candidate> bcePart(Site s, boolean yTerms) {
        if (s.spec().loss() != Loss.BINARY_CROSS_ENTROPY) return List.of();
        boolean atLoss = s.field() == null;
        if (!atLoss && !(s.is(Field.OUTPUT_GRAD) && s.lastLayer())) return List.of();
        double[][] y = s.spec().target();
        int n = y.length * y[0].length;
        Tensor terms = yTerms ? Tensor.of(y) : Tensor.of(y).neg().add(1);
        double[][] column = terms.reshape(n, 1).toDoubleMatrix();
        Tensor target = Tensor.of(column);
        UnaryOperator<Tensor> half = p -> {
            Tensor q = (yTerms ? p : p.neg().add(1)).reshape(n, 1);
            return Loss.CROSS_ENTROPY.apply(Steps.ignoringZeroTargets(q, column), target);
        };
        if (atLoss) {
            String text = yTerms
                    ? "missing a term: only the y·ln p terms were summed, the (1 − y)·ln(1 − p) terms left out"
                    : "missing a term: only the (1 − y)·ln(1 − p) terms were summed, the y·ln p terms left out";
            return List.of(c(Kind.MISSING_TERM, text, Steps.lossValue(half, s.prediction())));
        }
        String text = yTerms
                ? "missing a term: only the derivative of y·ln p, not of (1 − y)·ln(1 − p)"
                : "missing a term: only the derivative of (1 − y)·ln(1 − p), not of y·ln p";
        return List.of(c(Kind.MISSING_TERM, text, Steps.lossGradient(half, s.prediction())));
    }

    private static List<Candidate> log10(Site s) {
        if (s.field() != null) return List.of();
        return List.of(c(Kind.FACTOR, "log base 10 used instead of the natural log", Tensor.of(s.right()).div(Math.log(10)).toDoubleMatrix()));
    }

    // ------------------------------------------------------------------------------ forward

    private static List<Candidate> biasLeftOut(Site s) {
        if (!s.is(Field.NET) || !s.spec(s.layer()).hasBias()) return List.of();
        return List.of(c(Kind.MISSING_TERM, "the bias left out", s.steps().linear(s.layer(), s.input(), s.spec(s.layer()).weights(), null)));
    }

    private static List<Candidate> weightsTransposed(Site s) {
        if (!s.is(Field.NET)) return List.of();
        NetworkSpec.Layer layer = s.spec(s.layer());
        if (!s.dense(s.layer()) || layer.inputs() != layer.units() || layer.inputs() <= 1) return List.of();
        double[][] wt = Tensor.of(layer.weights()).t().toDoubleMatrix();
        return List.of(c(Kind.TRANSPOSED, "the weights used transposed (W[j][i] for W[i][j])", Steps.net(s.input(), wt, layer.bias())));
    }

    /**
     * Another activation's output (at output) or derivative (at net_grad, elementwise ones only),
     * with the layer's alpha where both take one, else the other's default.
     */
    private static List<Candidate> anotherActivation(Site s) {
        boolean output = s.is(Field.OUTPUT);
        if (!output && !s.is(Field.NET_GRAD) || !s.spec(s.layer()).kind().weighted()) return List.of();
        List<Candidate> out = new ArrayList<>();
        String own = s.actName();
        for (String name : NetworkSpec.ACTIVATIONS) {
            Activation a = NetworkSpec.activation(name, NetworkSpec.hasAlpha(own) && NetworkSpec.hasAlpha(name) ? s.spec(s.layer()).alpha() : null);
            if (name.equals(own) || a instanceof Identity || (!output && a instanceof Softmax)) continue;
            double[][] net = s.get(s.layer(), Field.NET);
            if (output) {
                out.add(c(Kind.OTHER_ACTIVATION, "the output of " + name + ", but the layer uses " + own, Steps.output(a, net)));
            } else {
                out.add(c(Kind.OTHER_ACTIVATION, "the derivative of " + name + ", but the layer uses " + own,
                        Steps.vjp(a::forward, net, s.get(s.layer(), Field.OUTPUT_GRAD))));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------ backward

    /**
     * Softmax treated as if each output depended on its own net input only: ∂s_j/∂z_j =
     * s_j(1 − s_j), the diagonal of the Jacobian. With the other units held fixed, s_j is the
     * sigmoid of ln(s_j/(1 − s_j)), so the engine's sigmoid backward there gives that diagonal.
     */
    private static List<Candidate> couplingMissing(Site s) {
        if (!s.is(Field.NET_GRAD) || !(s.act(s.layer()) instanceof Softmax)) return List.of();
        Tensor out = Tensor.of(s.get(s.layer(), Field.OUTPUT));
        double[][] logit = out.log().sub(out.neg().add(1).log()).toDoubleMatrix();
        return List.of(c(Kind.MISSING_COUPLING, "missing the softmax coupling: only ∂s_j/∂z_j = s_j(1 − s_j) was used, "
                + "not the terms ∂s_k/∂z_j = −s_k·s_j that link each output to the others",
                Steps.vjp(new Sigmoid()::forward, logit, s.get(s.layer(), Field.OUTPUT_GRAD))));
    }

    private static List<Candidate> derivativeLeftOut(Site s) {
        if (!s.is(Field.NET_GRAD) || s.act(s.layer()) instanceof Identity) return List.of();
        return List.of(c(Kind.MISSING_TERM, "missing a chain-rule term: the activation's derivative f'(net) left out (net_grad = output_grad)",
                s.get(s.layer(), Field.OUTPUT_GRAD)));
    }

    private static List<Candidate> inputFactorLeftOut(Site s) {
        if (!s.is(Field.WEIGHTS_GRAD) || !s.dense(s.layer())) return List.of();
        double[][] ones = Tensor.ones(DType.FLOAT64, s.batch(), s.spec(s.layer()).inputs()).toDoubleMatrix();
        return List.of(c(Kind.MISSING_TERM, "missing a chain-rule term: the input factor ∂net_j/∂w_ij = x_i left out",
                Steps.weightsGradient(ones, s.get(s.layer(), Field.NET_GRAD))));
    }

    /**
     * output_grad used where net_grad belongs: at a hidden layer's output_grad, the next layer's
     * (its derivative skipped); at weights_grad and bias_grad, this layer's.
     */
    private static List<Candidate> derivativeSkipped(Site s) {
        int l = s.layer();
        if (s.is(Field.OUTPUT_GRAD) && !s.lastLayer()) {
            if (!s.dense(l + 1)) return List.of();
            return List.of(c(Kind.MISSING_TERM, "missing a chain-rule term: layer " + (l + 1)
                    + "'s output_grad used where its net_grad belongs (its activation's derivative skipped)",
                    Steps.inputGradient(s.spec(l + 1).weights(), s.get(l + 1, Field.OUTPUT_GRAD))));
        }
        if (!(s.is(Field.WEIGHTS_GRAD) || s.is(Field.BIAS_GRAD)) || s.act(l) instanceof Identity) return List.of();
        double[][] og = s.get(l, Field.OUTPUT_GRAD);
        return List.of(c(Kind.MISSING_TERM, "missing a chain-rule term: output_grad used where net_grad belongs (the activation's derivative skipped)",
                s.is(Field.WEIGHTS_GRAD) ? s.steps().weightsGradient(l, s.input(), og) : s.steps().biasGradient(l, og)));
    }

    /** A hidden layer's output_grad through one unit j of the next layer only (2 to 64 units). */
    private static List<Candidate> onePathOnly(Site s) {
        int l = s.layer();
        if (!s.is(Field.OUTPUT_GRAD) || s.lastLayer() || !s.dense(l + 1)) return List.of();
        double[][] w = s.spec(l + 1).weights();
        int k = w[0].length;
        if (k <= 1 || k > 64) return List.of();
        Tensor wt = Tensor.of(w);
        Tensor d = Tensor.of(s.get(l + 1, Field.NET_GRAD));
        List<Candidate> out = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            out.add(c(Kind.MISSING_TERM, "missing chain-rule terms: only the path through unit " + j + " of layer " + (l + 1)
                    + " counted (the sum over its " + k + " units has one term)",
                    Steps.inputGradient(wt.narrow(1, j, 1).toDoubleMatrix(), d.narrow(1, j, 1).toDoubleMatrix())));
        }
        return out;
    }

    private static List<Candidate> previousNetAsInput(Site s) {
        int l = s.layer();
        if (!s.is(Field.WEIGHTS_GRAD) || l == 0 || !s.spec(l - 1).kind().weighted() || s.act(l - 1) instanceof Identity
                || s.spec(l - 1).kind() == NetworkSpec.Kind.RNN) return List.of();
        return List.of(c(Kind.OTHER_ACTIVATION, "layer " + (l - 1) + "'s net used as the input where its output belongs",
                s.steps().weightsGradient(l, s.get(l - 1, Field.NET), s.get(l, Field.NET_GRAD))));
    }

    /** weights_grad or bias_grad from one sample of the batch (2 to 64 samples). */
    private static List<Candidate> oneSampleOnly(Site s) {
        boolean weights = s.is(Field.WEIGHTS_GRAD);
        int batch = s.batch();
        if (!(weights || s.is(Field.BIAS_GRAD)) || batch <= 1 || batch > 64) return List.of();
        Tensor in = Tensor.of(s.input());
        Tensor d = Tensor.of(s.get(s.layer(), Field.NET_GRAD));
        List<Candidate> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            double[][] db = d.narrow(0, b, 1).toDoubleMatrix();
            out.add(c(Kind.MISSING_TERM, "missing terms: only sample " + b + " counted, not the sum over the batch",
                    weights ? s.steps().weightsGradient(s.layer(), in.narrow(0, b, 1).toDoubleMatrix(), db) : s.steps().biasGradient(s.layer(), db)));
        }
        return out;
    }

    // ------------------------------------------------------------------------------ convolution and pooling

    private static final Map<Steps.Variant, String> VARIANTS = Map.of(
            Steps.Variant.FLIPPED, "the kernel flipped: a convolution (kernel turned by 180°) where the layer computes a correlation "
                    + "(the kernel slides unflipped, w_{o,c,u,v} meets x_{c,i+u,j+v})",
            Steps.Variant.PAD_AFTER, "the padding offset left out: window (i, j) started at row i·s, column j·s of the unpadded input, "
                    + "not at i·s − p, j·s − p",
            Steps.Variant.PAD_BEFORE, "the padding offset counted twice: window (i, j) started at row i·s − 2p, column j·s − 2p, not at i·s − p, j·s − p",
            Steps.Variant.STRIDE_ONE, "the stride left out of the offset: window (i, j) started at row i − p, column j − p, not at i·s − p, j·s − p");

    /**
     * A convolution worked with one of its mistakes ({@link Steps.Variant}) where it shows: the
     * layer's net, its kernel gradient, and the gradient it sends to the layer below (output_grad
     * of layer l when layer l + 1 is the convolution).
     */
    private static List<Candidate> convVariant(Site s, Steps.Variant v) {
        int l = s.layer();
        int at = s.is(Field.OUTPUT_GRAD) ? l + 1 : l;
        if (s.field() == null || at >= s.spec().layers().size() || s.spec(at).kind() != NetworkSpec.Kind.CONV2D) return List.of();
        NetworkSpec.Layer conv = s.spec(at);
        if ((v == Steps.Variant.PAD_AFTER || v == Steps.Variant.PAD_BEFORE) && conv.padding() == 0) return List.of();
        if (v == Steps.Variant.STRIDE_ONE && conv.stride() == 1) return List.of();
        if (v == Steps.Variant.FLIPPED && conv.kernel()[2] * conv.kernel()[3] == 1) return List.of();
        String text = VARIANTS.get(v);
        if (s.is(Field.NET)) return List.of(c(Kind.CONVOLUTION, text, s.steps().linear(l, s.input(), conv.weights(), conv.bias(), v)));
        if (s.is(Field.WEIGHTS_GRAD)) return List.of(c(Kind.CONVOLUTION, text, s.steps().weightsGradient(l, s.input(), s.get(l, Field.NET_GRAD), v)));
        if (s.is(Field.OUTPUT_GRAD)) {
            return List.of(c(Kind.CONVOLUTION, text + ", in the gradient sent back through layer " + at,
                    s.steps().inputGradient(at, s.get(l, Field.OUTPUT), conv.weights(), s.get(at, Field.NET_GRAD), v)));
        }
        return List.of();
    }

    /**
     * The gradient below a max pool (output_grad of layer l when layer l + 1 is one) sent to every
     * input of each window, not to the winner alone: in full, or shared out as for an average.
     */
    private static List<Candidate> maxPoolSpread(Site s) {
        int l = s.layer();
        if (!s.is(Field.OUTPUT_GRAD) || s.lastLayer() || s.spec(l + 1).kind() != NetworkSpec.Kind.MAX_POOL2D) return List.of();
        int[] k = s.spec(l + 1).kernel();
        double[][] share = s.steps().averageGradient(l + 1, s.get(l, Field.OUTPUT), s.get(l + 1, Field.OUTPUT_GRAD));
        return List.of(
                c(Kind.POOLING, "the max-pool gradient spread over the whole window: every input of a window got its gradient, "
                        + "not only the input that won it", Steps.scale(share, k[0] * k[1])),
                c(Kind.POOLING, "the max-pool gradient shared out over the window as for an average (1/" + k[0] * k[1]
                        + " each), not sent to the input that won it", share));
    }

    /** An average pool's 1/k share left out: of the gradient sent back to each input, or of the output (a sum, not a mean). */
    private static List<Candidate> averageShareLeftOut(Site s) {
        int l = s.layer();
        if (s.is(Field.OUTPUT) && s.spec(l).kind() == NetworkSpec.Kind.AVG_POOL2D) {
            int[] k = s.spec(l).kernel();
            return List.of(c(Kind.POOLING, "the average's share left out: the window's sum, not its mean (the 1/" + k[0] * k[1] + " missing)",
                    Steps.scale(s.right(), k[0] * k[1])));
        }
        if (!s.is(Field.OUTPUT_GRAD) || s.lastLayer() || s.spec(l + 1).kind() != NetworkSpec.Kind.AVG_POOL2D) return List.of();
        int[] k = s.spec(l + 1).kernel();
        double[][] share = s.steps().averageGradient(l + 1, s.get(l, Field.OUTPUT), s.get(l + 1, Field.OUTPUT_GRAD));
        return List.of(c(Kind.POOLING, "the average's share left out: each input of a window got the window's whole gradient, not 1/"
                + k[0] * k[1] + " of it", Steps.scale(share, k[0] * k[1])));
    }

    // ------------------------------------------------------------------------------ backprop through time

    private static boolean weightGradient(Site s) {
        return s.is(Field.WEIGHTS_GRAD) || s.is(Field.BIAS_GRAD) || s.is(Field.WEIGHTS_HH_GRAD) || s.is(Field.BIAS_HH_GRAD);
    }

    /** The name of a gradient field in a sentence: ∂L/∂W_ih, ∂L/∂b_hh. */
    private static String gradName(Field f) {
        return switch (f) {
            case WEIGHTS_GRAD -> "∂L/∂W_ih";
            case BIAS_GRAD -> "∂L/∂b_ih";
            case WEIGHTS_HH_GRAD -> "∂L/∂W_hh";
            default -> "∂L/∂b_hh";
        };
    }

    /** A weight or bias gradient of an rnn with the last step's term alone. */
    private static List<Candidate> lastStepOnly(Site s) {
        if (!s.rnn() || !weightGradient(s)) return List.of();
        RnnSteps r = new RnnSteps(s.steps(), s.layer());
        int t = r.steps();
        boolean lastOnly = s.layer() < s.spec().layers().size() - 1 && !s.spec().everyStep(s.layer() + 1);
        return List.of(c(Kind.MISSING_TERM, "missing terms: only the last step's contribution (t = " + t + ") counted in " + gradName(s.field())
                        + ", not the sum over the " + t + " steps" + (lastOnly ? " (what leaving out the recurrent path gives, when the loss sees h_"
                        + t + " alone)" : ""),
                r.gradient(s.field(), s.values(), s.get(s.layer(), Field.NET_GRAD), t - 1, false)));
    }

    /** ∂L/∂h_t from above alone (the recurrent W_hhᵀ·∂L/∂net_{t+1} left out); the gradients worked so, when the loss sees every state. */
    private static List<Candidate> recurrentPathLeftOut(Site s) {
        if (!s.rnn()) return List.of();
        RnnSteps r = new RnnSteps(s.steps(), s.layer());
        if (s.field().stepwise()) {
            // each step's part worked from a ∂L/∂net_t without the recurrent path (0 before the last step when the loss sees h_T alone)
            return List.of(c(Kind.MISSING_TERM, "missing a chain-rule term: step t's part of " + gradName(s.field().whole()) + " worked from a ∂L/∂net_t "
                    + "without the recurrent path (∂L/∂h_t from above only, no W_hhᵀ·∂L/∂net_{t+1})",
                    r.stepRows(s.field(), s.values(), r.rerun(s.values(), false, -1), false)));
        }
        if (s.is(Field.OUTPUT_GRAD)) {
            return List.of(c(Kind.MISSING_TERM, "missing a chain-rule term: the recurrent path left out: ∂L/∂h_t from above only, without "
                    + "W_hhᵀ·∂L/∂net_{t+1} from the next step", r.fromAbove(s.values())));
        }
        // with the loss on h_T alone, this is the last step's contribution (the entry before)
        if (!weightGradient(s) || s.layer() < s.spec().layers().size() - 1 && !s.spec().everyStep(s.layer() + 1)) return List.of();
        return List.of(c(Kind.MISSING_TERM, "missing chain-rule terms: " + gradName(s.field()) + " worked without the recurrent path "
                + "(each ∂L/∂h_t from above only, no W_hhᵀ·∂L/∂net_{t+1})", r.gradient(s.field(), s.values(), r.rerun(s.values(), false, -1), 0, false)));
    }

    /**
     * tanh'(net_t) = 1 − h_t² left out at one step: in that step's net_grad (∂L/∂net_t =
     * ∂L/∂h_t); in the recurrent path (∂L/∂h_{t+1} sent back where ∂L/∂net_{t+1} belongs); in the
     * gradients, backprop through time run with it left out at one step, or at every step.
     */
    private static List<Candidate> tanhForgotten(Site s) {
        if (!s.rnn()) return List.of();
        RnnSteps r = new RnnSteps(s.steps(), s.layer());
        int t = r.steps();
        int h = r.hidden();
        List<Candidate> out = new ArrayList<>();
        if (s.field().stepwise()) {
            for (int k = t - 1; k >= 0; k--) {
                out.add(c(Kind.MISSING_TERM, "missing a chain-rule term: step t's part of " + gradName(s.field().whole()) + " worked with tanh' left out "
                        + "at step t = " + (k + 1) + " (∂L/∂net_" + (k + 1) + " = ∂L/∂h_" + (k + 1) + ")", r.stepRows(s.field(), s.values(), r.rerun(s.values(), true, k), false)));
            }
        } else if (s.is(Field.NET_GRAD)) {
            double[][] og = s.get(s.layer(), Field.OUTPUT_GRAD);
            for (int k = 0; k < t; k++) {
                double[][] v = new double[og.length][og[0].length];
                for (double[] row : v) java.util.Arrays.fill(row, Double.NaN);
                RnnSteps.put(v, k, h, RnnSteps.at(og, k, h));
                out.add(c(Kind.MISSING_TERM, "missing a chain-rule term: tanh'(net_t) = 1 − h_t² left out at step t = " + (k + 1)
                        + " (∂L/∂net_t = ∂L/∂h_t)", v));
            }
        } else if (s.is(Field.OUTPUT_GRAD)) {
            out.add(c(Kind.MISSING_TERM, "missing a chain-rule term: the recurrent path took W_hhᵀ·∂L/∂h_{t+1} where W_hhᵀ·∂L/∂net_{t+1} belongs "
                    + "(tanh' of step t + 1 skipped)", RnnSteps.add(r.fromAbove(s.values()), r.recurrent(s.get(s.layer(), Field.OUTPUT_GRAD)))));
        } else if (weightGradient(s)) {
            for (int k = t - 1; k >= 0; k--) {
                out.add(c(Kind.MISSING_TERM, "missing a chain-rule term: " + gradName(s.field()) + " worked with tanh' left out at step t = " + (k + 1)
                        + " (∂L/∂net_" + (k + 1) + " = ∂L/∂h_" + (k + 1) + "), and the steps before it worked from that",
                        r.gradient(s.field(), s.values(), r.rerun(s.values(), true, k), 0, false)));
            }
            out.add(c(Kind.MISSING_TERM, "missing chain-rule terms: " + gradName(s.field()) + " worked with tanh' left out at every step",
                    r.gradient(s.field(), s.values(), r.rerun(s.values(), true, t), 0, false)));
        }
        return out;
    }

    /** ∂L/∂W_hh with each step's own state h_t where the state it read, h_{t−1}, belongs. */
    private static List<Candidate> stateForPrevious(Site s) {
        if (s.rnn() && s.is(Field.STEP_WEIGHTS_HH_GRAD)) {
            RnnSteps r = new RnnSteps(s.steps(), s.layer());
            return List.of(c(Kind.WRONG_STATE, "h_t used where h_{t−1} belongs: step t's part of ∂L/∂W_hh is ∂L/∂net_t·h_{t−1}ᵀ (h_0 at the first "
                    + "step), the state the step read, not ∂L/∂net_t·h_tᵀ", r.stepRows(Field.STEP_WEIGHTS_HH_GRAD, s.values(), s.get(s.layer(), Field.NET_GRAD), true)));
        }
        if (!s.rnn() || !s.is(Field.WEIGHTS_HH_GRAD)) return List.of();
        RnnSteps r = new RnnSteps(s.steps(), s.layer());
        return List.of(c(Kind.WRONG_STATE, "h_t used where h_{t−1} belongs: ∂L/∂W_hh summed ∂L/∂net_t·h_tᵀ, but step t reads the state "
                + "before it, so the term is ∂L/∂net_t·h_{t−1}ᵀ (h_0 at the first step)",
                r.gradient(Field.WEIGHTS_HH_GRAD, s.values(), s.get(s.layer(), Field.NET_GRAD), 0, true)));
    }

    // ------------------------------------------------------------------------------ updates

    private static double[][] oldParams(Site s) {
        NetworkSpec.Layer layer = s.spec(s.layer());
        return switch (s.field()) {
            case WEIGHTS_UPDATED -> layer.weights();
            case WEIGHTS_HH_UPDATED -> layer.weightsHh();
            case BIAS_HH_UPDATED -> new double[][] {layer.biasHh()};
            default -> new double[][] {layer.bias()};
        };
    }

    private static double[][] gradient(Site s) {
        return s.get(s.layer(), s.field().gradient());
    }

    private static List<Candidate> gradientAdded(Site s) {
        if (!s.update()) return List.of();
        return List.of(c(Kind.ADDED_INSTEAD_OF_SUBTRACTED, "the gradient added instead of subtracted (w + η·g)",
                s.steps().update(oldParams(s), gradient(s), -1)));
    }

    private static List<Candidate> updateTransposed(Site s) {
        if (!s.is(Field.WEIGHTS_UPDATED)) return List.of();
        return List.of(c(Kind.TRANSPOSED, "updated with the gradient of the mirrored position (transposed)",
                s.steps().update(oldParams(s), mirror(gradient(s)), 1)));
    }

    private static List<Candidate> updateFactor(Site s) {
        if (!s.update()) return List.of();
        List<Candidate> out = new ArrayList<>();
        Map<Double, String> words = new LinkedHashMap<>();
        words.put(2.0, "twice");
        words.put(0.5, "half");
        words.put(10.0, "10 times");
        words.put(0.1, "a tenth of");
        words.forEach((k, word) -> out.add(c(Kind.FACTOR, "a factor off: the step is " + word + " η·g (check the learning rate)",
                s.steps().update(oldParams(s), gradient(s), k))));
        return out;
    }

    // ------------------------------------------------------------------------------ any value

    private static List<Candidate> signFlipped(Site s) {
        if (s.update()) return List.of();
        return List.of(c(Kind.SIGN_FLIPPED, "sign flipped", Steps.scale(s.right(), -1)));
    }

    private static List<Candidate> valueTransposed(Site s) {
        if (!s.is(Field.WEIGHTS_GRAD) || !s.dense(s.layer())) return List.of();
        return List.of(c(Kind.TRANSPOSED, "transposed: the value belongs at the mirrored position", mirror(s.right())));
    }

    /** The value times a factor that a mean or a sum gets wrong: the batch size, the output count, both, 2 and ½. */
    private static List<Candidate> factor(Site s) {
        if (s.update()) return List.of();
        List<Candidate> out = new ArrayList<>();
        Map<Double, String> fs = new LinkedHashMap<>();
        int t = s.spec().steps();
        if (s.spec().lossPerStep() && s.spec().loss() == Loss.CROSS_ENTROPY && t > 1) {
            // cross-entropy over [N·T, V] is a mean over the N·T steps: a sum over the steps is T times it
            fs.put((double) t, "multiplied by the step count " + t + " (the loss summed over the steps where the mean over them belongs, "
                    + "as PyTorch's cross-entropy over [N·T, V] takes it)");
            fs.put(1.0 / t, "divided by the step count " + t);
        }
        factors(s.batch(), s.spec().outputs()).forEach((k, v) -> fs.merge(k, v, Mistakes::both));
        for (Map.Entry<Double, String> e : fs.entrySet()) {
            out.add(c(Kind.FACTOR, "a factor off: " + e.getValue(), Steps.scale(s.right(), e.getKey())));
        }
        return out;
    }

    /** Factor → what it means; equal factors (a batch of 2 and the factor 2) share one entry. */
    static Map<Double, String> factors(int batch, int k) {
        Map<Double, String> m = new LinkedHashMap<>();
        if (batch > 1) {
            m.merge((double) batch, "multiplied by the batch size " + batch + " (a sum where the mean belongs)", Mistakes::both);
            m.merge(1.0 / batch, "divided by the batch size " + batch, Mistakes::both);
        }
        if (k > 1) {
            m.merge((double) k, "multiplied by the output count " + k + " (the 1/" + k + " of the mean left out)", Mistakes::both);
            m.merge(1.0 / k, "divided by the output count " + k, Mistakes::both);
        }
        if (batch > 1 && k > 1) {
            m.merge((double) batch * k, "multiplied by the element count " + batch * k + " (the 1/N of the mean left out)", Mistakes::both);
            m.merge(1.0 / (batch * k), "divided by the element count " + batch * k, Mistakes::both);
        }
        m.merge(2.0, "twice the true value", Mistakes::both);
        m.merge(0.5, "half the true value", Mistakes::both);
        return m;
    }

    private static String both(String a, String b) {
        return a + "; " + b;
    }

    /** The value at the mirrored position [j][i], NaN on the diagonal and where there is none. */
    static double[][] mirror(double[][] a) {
        double[][] m = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) m[i][j] = j < a.length && i < a[j].length && i != j ? a[j][i] : Double.NaN;
        }
        return m;
    }
}
