package io.backprop4j.examples;

import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Standardizer;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Adam;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.ModelFile;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Task;
import io.backprop4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Trains a model, saves it (safetensors), loads it back and predicts from raw features with nothing else. */
public final class SaveAndLoad {
    public static void main(String[] args) throws Exception {
        DataSplits raw = Datasets.load("iris");
        Standardizer s = Standardizer.fit(raw.train());
        DataSplits data = raw.standardized(s);
        var spec = new ModelSpec(4, new int[] {16}, 3, "relu", 0.0, false, Task.CLASSIFY,
                data.train().classNames(), data.train().featureNames(), s, "iris");
        Sequential model = spec.build(new EpochRandom(1));
        Trainer.builder().epochs(30).batchSize(16).seed(1).build()
                .fit(model, new Adam(model.parameters(), 0.01), data.train(), data.validation());

        Path file = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("bp4j").resolve("iris.safetensors");
        ModelFile.save(file, model, spec);
        ModelFile loaded = ModelFile.load(file);                        // both checksums checked
        Tensor rawFeatures = raw.test().features().narrow(0, 0, 5);     // unstandardized: the file knows how
        int[] classes = loaded.predictClasses(rawFeatures);
        System.out.println(Arrays.stream(classes).mapToObj(loaded::className).toList() + " saved in " + file.getFileName());
    }
}
