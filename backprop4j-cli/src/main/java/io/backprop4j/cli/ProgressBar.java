package io.backprop4j.cli;

import io.backprop4j.train.EpochStats;
import io.backprop4j.train.History;
import io.backprop4j.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows training progress. On a terminal, a bar redrawn in place with a carriage return during
 * each epoch:
 * <pre>
 * epoch  3/20 [=========>          ] 47%  28160/60000  ETA 3s  9120 samples/s  loss 0.3412
 * </pre>
 * then, on every output, one summary line per epoch:
 * <pre>
 * epoch  3/20  loss 0.3389  acc 0.8771  val_loss 0.3577  val_acc 0.8702  lr 0.001  6.6s
 * </pre>
 * Whether the output is a terminal: {@code System.console() != null}, unless the environment
 * variable {@value #ENV} says {@code always} or {@code never}.
 */
final class ProgressBar implements TrainingListener {
    /** Environment variable forcing the bar on ({@code always}) or off ({@code never}). */
    static final String ENV = "BACKPROP4J_PROGRESS";
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean interactive;
    private int epochs;
    private long samplesPerEpoch;
    private long epochStart;
    private long lastDraw;
    private int drawnWidth;

    ProgressBar(PrintWriter out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** Whether standard output is a terminal (or {@value #ENV} forces it either way). */
    static boolean isTerminal() {
        String env = System.getenv(ENV);
        if ("always".equalsIgnoreCase(env)) return true;
        if ("never".equalsIgnoreCase(env)) return false;
        return System.console() != null && System.console().isTerminal();
    }

    @Override
    public void onTrainBegin(int firstEpoch, int epochs, int batches, long samples) {
        this.epochs = epochs;
        this.samplesPerEpoch = samples;
        if (firstEpoch > 1) out.println("resuming after epoch " + (firstEpoch - 1) + " of " + epochs);
        out.flush();
    }

    @Override
    public void onEpochBegin(int epoch) {
        epochStart = System.nanoTime();
        lastDraw = 0;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batches, long samplesDone, double runningLoss) {
        if (!interactive) return;
        long now = System.nanoTime();
        if (batch < batches && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        double elapsed = (now - epochStart) / 1e9;
        double fraction = samplesPerEpoch == 0 ? 1 : (double) samplesDone / samplesPerEpoch;
        double rate = elapsed > 0 ? samplesDone / elapsed : 0;
        double eta = rate > 0 ? (samplesPerEpoch - samplesDone) / rate : 0;
        String line = line(epoch, epochs, fraction, samplesDone, samplesPerEpoch, eta, rate, runningLoss);
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < drawnWidth; i++) sb.append(' ');
        drawnWidth = line.length();
        out.print(sb);
        out.flush();
    }

    /** The bar's text (without the carriage return). */
    static String line(int epoch, int epochs, double fraction, long done, long total, double etaSeconds,
                       double samplesPerSecond, double loss) {
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
        StringBuilder bar = new StringBuilder();
        for (int i = 0; i < WIDTH; i++) bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        String w = Integer.toString(Integer.toString(epochs).length());
        return String.format(Locale.ROOT, "epoch %" + w + "d/%d [%s] %3d%%  %d/%d  ETA %s  %.0f samples/s  loss %.4f",
                epoch, epochs, bar, Math.round(fraction * 100), done, total, duration(etaSeconds), samplesPerSecond, loss);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        return s / 3600 + "h" + String.format(Locale.ROOT, "%02d", s / 60 % 60) + "m";
    }

    @Override
    public void onEpochEnd(EpochStats stats, History history) {
        if (interactive && drawnWidth > 0) {
            out.print("\r" + " ".repeat(drawnWidth) + "\r");
            drawnWidth = 0;
        }
        out.println(stats.summary(epochs));
        out.flush();
    }

    @Override
    public void onEarlyStop(int epoch, int bestEpoch, int patience) {
        out.println("early stop after epoch " + epoch + ": validation loss has not improved for " + patience
                + " epochs (best: epoch " + bestEpoch + ")");
        out.flush();
    }
}
