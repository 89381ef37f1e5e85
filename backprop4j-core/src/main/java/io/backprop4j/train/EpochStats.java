package io.backprop4j.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one epoch of training gave. Numbers that do not apply are NaN: accuracies for regression,
 * validation figures without a validation set.
 *
 * @param epoch the epoch, counting from 1
 * @param trainLoss mean training loss over the epoch's batches, weighted by batch size
 * @param trainAccuracy fraction of training examples classified right during the epoch (with the
 *     weights as they were at each batch, before its update; dropout on)
 * @param validationLoss loss on the validation set after the epoch (eval mode, no dropout)
 * @param validationAccuracy accuracy on the validation set after the epoch
 * @param learningRate the learning rate at the end of the epoch
 * @param seconds wall-clock time of the epoch, validation included
 * @param samples training examples seen in the epoch
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
                         double validationAccuracy, double learningRate, double seconds, long samples) {

    /** Whether there are validation figures. */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }

    /** One line: {@code epoch 3/20  loss 0.4123  acc 0.8534  val_loss 0.3921  val_acc 0.8610  lr 0.001  4.2s}. */
    public String summary(int epochs) {
        StringBuilder sb = new StringBuilder();
        String width = Integer.toString(Integer.toString(epochs).length());
        sb.append(String.format(Locale.ROOT, "epoch %" + width + "d/%d  loss %.4f", epoch, epochs, trainLoss));
        if (!Double.isNaN(trainAccuracy)) sb.append(String.format(Locale.ROOT, "  acc %.4f", trainAccuracy));
        if (!Double.isNaN(validationLoss)) sb.append(String.format(Locale.ROOT, "  val_loss %.4f", validationLoss));
        if (!Double.isNaN(validationAccuracy)) sb.append(String.format(Locale.ROOT, "  val_acc %.4f", validationAccuracy));
        sb.append("  lr ").append(threeDigits(learningRate)).append(String.format(Locale.ROOT, "  %.1fs", seconds));
        return sb.toString();
    }

    /** 3 significant digits without trailing zeros: 0.001, 0.000955, 9.55e-05. */
    static String threeDigits(double v) {
        String s = String.format(Locale.ROOT, "%.3g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.contains(".")) mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        return e < 0 ? mantissa : mantissa + s.substring(e);
    }

    /** As a JSON-ready map (NaN written as null). */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("train_loss", finite(trainLoss));
        m.put("train_accuracy", finite(trainAccuracy));
        m.put("validation_loss", finite(validationLoss));
        m.put("validation_accuracy", finite(validationAccuracy));
        m.put("learning_rate", finite(learningRate));
        m.put("seconds", finite(seconds));
        m.put("samples", samples);
        return m;
    }

    static EpochStats fromMap(Map<?, ?> m) {
        return new EpochStats(((Number) m.get("epoch")).intValue(), num(m.get("train_loss")), num(m.get("train_accuracy")),
                num(m.get("validation_loss")), num(m.get("validation_accuracy")), num(m.get("learning_rate")),
                num(m.get("seconds")), ((Number) m.get("samples")).longValue());
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
