package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Lowers the learning rate when a monitored metric (a validation loss: lower is better) stops
 * improving, as PyTorch's ReduceLROnPlateau in mode "min" with a relative threshold. After each
 * epoch, {@code step(metric)}:
 * <pre>
 *   metric &lt; best (1 - threshold)   →  best = metric, bad = 0        (strictly better)
 *   otherwise                         →  bad = bad + 1
 *   in cooldown (counter &gt; 0)        →  counter = counter - 1, bad = 0
 *   bad &gt; patience                   →  η' = max(η factor, minLr); set η' if η - η' &gt; 1e-8;
 *                                        counter = cooldown, bad = 0
 * </pre>
 * best starts at +∞. The rate set by step(metrics[e]) is the one for epoch e + 1.
 * State: "last_epoch", "best", "num_bad_epochs", "cooldown_counter".
 */
public final class ReduceLROnPlateau implements LrSchedule {
    /** Smallest change of the rate that is applied, as PyTorch's default eps. */
    public static final double EPS = 1e-8;

    private final Optimizer optimizer;
    private final double factor, threshold, minLr;
    private final int patience, cooldown;
    private double best = Double.POSITIVE_INFINITY;
    private int badEpochs, cooldownCounter, epoch;

    /** PyTorch's defaults: factor 0.1, patience 10, threshold 1e-4, no cooldown, no minimum. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, 0.1, 10, 1e-4, 0, 0);
    }

    /** @throws BackpropException for factor outside (0, 1) or a negative patience, threshold, cooldown or minLr */
    public ReduceLROnPlateau(Optimizer optimizer, double factor, int patience, double threshold, int cooldown, double minLr) {
        if (optimizer == null) throw new BackpropException("ReduceLROnPlateau: optimizer is null");
        if (!(factor > 0 && factor < 1)) throw new BackpropException("ReduceLROnPlateau: invalid factor: " + factor + " (must be in (0, 1))");
        if (patience < 0) throw new BackpropException("ReduceLROnPlateau: invalid patience: " + patience + " (must be >= 0)");
        if (!(threshold >= 0 && threshold < 1)) {
            throw new BackpropException("ReduceLROnPlateau: invalid threshold: " + threshold + " (must be in [0, 1))");
        }
        if (cooldown < 0) throw new BackpropException("ReduceLROnPlateau: invalid cooldown: " + cooldown + " (must be >= 0)");
        if (!(minLr >= 0) || Double.isInfinite(minLr)) {
            throw new BackpropException("ReduceLROnPlateau: invalid min_lr: " + minLr + " (must be >= 0)");
        }
        this.optimizer = optimizer;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
    }

    /** Always refused: this schedule needs the metric. */
    @Override
    public void step() {
        throw new BackpropException("ReduceLROnPlateau.step: needs the monitored metric; call step(metric) with the validation loss");
    }

    @Override
    public void step(double metric) {
        epoch++;
        if (metric < best * (1 - threshold)) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            badEpochs = 0;
        }
        if (badEpochs > patience) {
            double old = optimizer.learningRate();
            double lr = Math.max(old * factor, minLr);
            if (old - lr > EPS) optimizer.setLearningRate(lr);
            cooldownCounter = cooldown;
            badEpochs = 0;
        }
    }

    @Override
    public double learningRate() { return optimizer.learningRate(); }

    /** The best metric so far (+∞ before the first step). */
    public double best() { return best; }

    /** Epochs since the last improvement (reset by a reduction and during cooldown). */
    public int badEpochs() { return badEpochs; }

    /** Epochs of cooldown left. */
    public int cooldownCounter() { return cooldownCounter; }

    @Override
    public Map<String, Tensor> state() {
        return ScheduleState.of("last_epoch", epoch, "best", best, "num_bad_epochs", badEpochs, "cooldown_counter", cooldownCounter);
    }

    @Override
    public void loadState(Map<String, Tensor> state) {
        String who = "ReduceLROnPlateau";
        double[] v = ScheduleState.read(who, state, List.of("last_epoch", "best", "num_bad_epochs", "cooldown_counter"));
        int e = ScheduleState.counter(who, "last_epoch", v[0]);
        int bad = ScheduleState.counter(who, "num_bad_epochs", v[2]);
        int cool = ScheduleState.counter(who, "cooldown_counter", v[3]);
        if (Double.isNaN(v[1])) throw new BackpropException(who + ".loadState: entry 'best' is NaN");
        epoch = e;
        best = v[1];
        badEpochs = bad;
        cooldownCounter = cool;
    }

    @Override
    public String toString() {
        return "ReduceLROnPlateau(mode=min, factor=" + factor + ", patience=" + patience + ", threshold=" + threshold
                + ", cooldown=" + cooldown + ", min_lr=" + minLr + ")";
    }
}
