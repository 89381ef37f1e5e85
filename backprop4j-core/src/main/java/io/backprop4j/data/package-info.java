/**
 * Data sets and loaders: {@link io.backprop4j.data.Dataset} (features, and labels or regression
 * targets), {@link io.backprop4j.data.DataSplits} (train, validation, test),
 * {@link io.backprop4j.data.Datasets} (the embedded sets {@code digits}, {@code iris},
 * {@code breast-cancer}, ... and Fashion-MNIST from Debian's {@code dataset-fashion-mnist}),
 * readers for CSV ({@link io.backprop4j.data.Csv}) and IDX ({@link io.backprop4j.data.Idx}) files,
 * {@link io.backprop4j.data.Standardizer} (fitted on the training split only) and
 * {@link io.backprop4j.data.DataLoader} (seeded shuffled batches). A bad file is refused with one
 * line naming the file and line.
 *
 * <pre>{@code
 * import io.backprop4j.data.DataSplits;
 * import io.backprop4j.data.Datasets;
 * import io.backprop4j.data.Standardizer;
 *
 * DataSplits data = Datasets.load("digits");
 * data = data.standardized(Standardizer.fit(data.train()));
 * System.out.println(data);   // the sizes of the three splits
 * System.out.println(data.train().numFeatures() + " features, " + data.train().numClasses() + " classes");
 * }</pre>
 */
package io.backprop4j.data;
