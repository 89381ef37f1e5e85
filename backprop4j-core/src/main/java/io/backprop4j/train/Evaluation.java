package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.data.Dataset;
import io.backprop4j.nn.Module;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * A model's loss and predictions on a data set, computed in evaluation mode (dropout off, batch
 * norm on running statistics) without recording a graph.
 *
 * @param task what the model predicts
 * @param loss the mean loss over the set: by default cross-entropy (classification) or mean squared
 *     error (regression)
 * @param accuracy fraction classified right; NaN for regression
 * @param predicted the predicted class of each example (null for regression)
 * @param actual the true classes (null for regression)
 * @param numClasses the number of classes (the model's outputs); 0 for regression
 */
public record Evaluation(Task task, double loss, double accuracy, int[] predicted, int[] actual, int numClasses) {
    /** Examples per forward pass when evaluating (fewer for models with many outputs, see {@link #MAX_OUTPUTS_PER_PASS}). */
    public static final int BATCH = 1024;
    /**
     * The most output values one forward pass makes: a model with k outputs is evaluated
     * {@code max(1, min(BATCH, MAX_OUTPUTS_PER_PASS / k))} examples at a time, so that memory stays
     * small however many classes there are (1,024 rows of 65,536 logits, with the loss's
     * temporaries, grew the heap to 6 GB).
     */
    public static final int MAX_OUTPUTS_PER_PASS = 1 << 20;

    /** The confusion matrix (rows truth, columns prediction); classification only. */
    public int[][] confusion() {
        if (predicted == null) throw new BackpropException("confusion matrix: a regression model has no classes");
        return Metrics.confusion(predicted, actual, numClasses);
    }

    /** Per-class precision, recall and F1; classification only. */
    public Metrics.Report report() {
        if (predicted == null) throw new BackpropException("report: a regression model has no classes");
        return Metrics.report(predicted, actual, numClasses);
    }

    /** Mean squared error (the loss) for regression; the loss for classification. */
    public double mse() {
        return loss;
    }

    /**
     * Evaluates {@code model} on {@code data}: classification when the set has labels, else
     * regression on its targets, with the task's default loss ({@link TrainingLoss#forTask}).
     *
     * @throws BackpropException when the set has neither labels nor targets, or the model's output
     *     does not fit them
     */
    public static Evaluation of(Module model, Dataset data) {
        return of(model, data, null);
    }

    /** As {@link #of(Module, Dataset)}, reporting {@code loss} (null: the task's default). */
    public static Evaluation of(Module model, Dataset data, TrainingLoss loss) {
        Task task = data.isClassification() ? Task.CLASSIFY : Task.REGRESS;
        if (task == Task.REGRESS && data.targets() == null) {
            throw new BackpropException("evaluate: the data set has neither class labels nor targets");
        }
        if (loss == null) loss = TrainingLoss.forTask(task);
        int n = data.size();
        int[] predicted = task == Task.CLASSIFY ? new int[n] : null;
        double lossSum = 0;
        int classes = 0;
        try (var g = NoGrad.enter(); var mode = model.evalScope()) {
            int batch = BATCH;
            if (n > 0) {
                Tensor probe = model.forward(data.features().narrow(0, 0, 1)); // how many outputs per example
                long outputs = Math.max(1, probe.numel());
                batch = (int) Math.max(1, Math.min(BATCH, MAX_OUTPUTS_PER_PASS / outputs));
            }
            for (int start = 0; start < n; start += batch) {
                int len = Math.min(batch, n - start);
                Tensor x = data.features().narrow(0, start, len);
                Tensor out = model.call(x);
                int[] labels = task == Task.CLASSIFY ? java.util.Arrays.copyOfRange(data.labels(), start, start + len) : null;
                Tensor targets = data.targets() == null ? null : data.targets().narrow(0, start, len);
                if (task == Task.CLASSIFY) {
                    classes = checkLogits(out, len, data);
                    System.arraycopy(Metrics.argmax(out), 0, predicted, start, len);
                }
                lossSum += loss.compute(out, labels, targets).item() * len;
            }
        }
        if (task == Task.CLASSIFY && n == 0) classes = Math.max(data.numClasses(), 1);
        double mean = n == 0 ? Double.NaN : lossSum / n;
        return task == Task.CLASSIFY
                ? new Evaluation(task, mean, Metrics.accuracy(predicted, data.labels()), predicted, data.labels(), classes)
                : new Evaluation(task, mean, Double.NaN, null, null, 0);
    }

    static int checkLogits(Tensor out, int rows, Dataset data) {
        if (out.rank() != 2 || out.size(0) != rows) {
            throw new ShapeException("the model gives " + Shapes.str(out.shape()) + " for " + rows
                    + " examples; a classifier must give logits [" + rows + ", classes]");
        }
        int k = out.size(1);
        if (data.numClasses() > k) {
            throw new ShapeException("the model has " + k + " outputs but the data has " + data.numClasses() + " classes");
        }
        return k;
    }

    /** The targets in the model output's shape ([n] targets against [n, 1] outputs). */
    static Tensor regressionTarget(Tensor y, Tensor out) {
        if (y.rank() == 1 && out.rank() == 2 && out.size(1) == 1) y = y.reshape(y.size(0), 1);
        if (!java.util.Arrays.equals(y.shape(), out.shape())) {
            throw new ShapeException("the model gives " + Shapes.str(out.shape()) + " but the targets are "
                    + Shapes.str(y.shape()));
        }
        if (y.dtype() != out.dtype()) y = y.to(out.dtype());
        return y;
    }
}
