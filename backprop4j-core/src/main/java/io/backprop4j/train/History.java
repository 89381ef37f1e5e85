package io.backprop4j.train;

import io.backprop4j.FormatException;
import io.backprop4j.internal.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The epochs of a training run so far, in order; saved in checkpoints so that a resumed run
 * continues the same curves (and the same early-stopping count).
 */
public final class History {
    private final List<EpochStats> epochs = new ArrayList<>();

    public History() {}

    public History(List<EpochStats> epochs) {
        this.epochs.addAll(epochs);
    }

    /** Appends an epoch. */
    public void add(EpochStats stats) {
        epochs.add(stats);
    }

    /** The epochs, oldest first (read-only view). */
    public List<EpochStats> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    public int size() {
        return epochs.size();
    }

    /** The last epoch, or null when there is none. */
    public EpochStats last() {
        return epochs.isEmpty() ? null : epochs.getLast();
    }

    /** The epoch (from 1) with the lowest validation loss, or 0 when no epoch has one. */
    public int bestEpoch() {
        int best = 0;
        double loss = Double.POSITIVE_INFINITY;
        for (EpochStats e : epochs) {
            if (e.hasValidation() && e.validationLoss() < loss) {
                loss = e.validationLoss();
                best = e.epoch();
            }
        }
        return best;
    }

    /** Epochs since the best validation loss (0 when the last epoch is the best or there is none). */
    public int epochsSinceBest() {
        int best = bestEpoch();
        return best == 0 ? 0 : epochs.getLast().epoch() - best;
    }

    /** The history as JSON: an array of per-epoch objects. */
    public String toJson() {
        List<Object> list = new ArrayList<>();
        for (EpochStats e : epochs) list.add(e.toMap());
        return Json.write(list);
    }

    /** Reads what {@link #toJson} wrote; {@code source} names it in errors. */
    public static History fromJson(String json, String source) {
        if (!(Json.parse(json, source) instanceof List<?> list)) {
            throw new FormatException(source, null, "training history is not a JSON array");
        }
        History h = new History();
        for (Object o : list) {
            try {
                h.add(EpochStats.fromMap((Map<?, ?>) o));
            } catch (ClassCastException | NullPointerException e) {
                throw new FormatException(source, null, "training history entry " + h.size() + " is malformed");
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return "History(epochs=" + epochs.size() + ")";
    }
}
