/**
 * Training: {@link io.backprop4j.train.Trainer} runs epochs of mini-batches (seeded, with
 * validation, schedules, early stopping, listeners, checkpoints that resume bit for bit) and
 * undoes a step that went non-finite, naming the first layer whose output did;
 * {@link io.backprop4j.train.Evaluation} gives accuracy, loss and the confusion matrix;
 * {@link io.backprop4j.train.ModelFile} saves a model with what it needs to predict (standardiser,
 * class names), sealed against corruption and written atomically.
 *
 * <pre>{@code
 * import io.backprop4j.data.DataSplits;
 * import io.backprop4j.data.Datasets;
 * import io.backprop4j.data.Standardizer;
 * import io.backprop4j.nn.Linear;
 * import io.backprop4j.nn.ReLU;
 * import io.backprop4j.nn.Sequential;
 * import io.backprop4j.optim.Adam;
 * import io.backprop4j.train.Evaluation;
 * import io.backprop4j.train.Trainer;
 * import java.util.SplittableRandom;
 *
 * DataSplits data = Datasets.load("iris");
 * data = data.standardized(Standardizer.fit(data.train()));
 * var rng = new SplittableRandom(7);
 * var model = new Sequential(new Linear(4, 16, rng), new ReLU(), new Linear(16, 3, rng));
 * Trainer.builder().epochs(30).batchSize(16).seed(7).build()
 *         .fit(model, new Adam(model.parameters(), 1e-2), data.train(), data.validation());
 * System.out.println("test accuracy " + Evaluation.of(model, data.test()).accuracy());
 * }</pre>
 */
package io.backprop4j.train;
