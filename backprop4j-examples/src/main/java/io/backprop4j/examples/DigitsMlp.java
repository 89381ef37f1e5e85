package io.backprop4j.examples;

import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Standardizer;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Adam;
import io.backprop4j.train.EpochStats;
import io.backprop4j.train.Evaluation;
import io.backprop4j.train.History;
import io.backprop4j.train.Trainer;
import io.backprop4j.train.TrainingListener;
import java.util.SplittableRandom;

/** The 8x8 digits (embedded) with a 64-128-10 MLP and the Trainer: about 97% on the test split. */
public final class DigitsMlp {
    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        DataSplits data = Datasets.load("digits");
        data = data.standardized(Standardizer.fit(data.train()));
        var rng = new SplittableRandom(42);
        var model = new Sequential(new Linear(64, 128, rng), new ReLU(), new Linear(128, 10, rng));
        var trainer = Trainer.builder().epochs(epochs).batchSize(32).seed(42)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochStats e, History all) {
                        System.out.println(e.summary(epochs));
                    }
                })
                .build();
        trainer.fit(model, new Adam(model.parameters(), 1e-3), data.train(), data.validation());
        System.out.printf("test accuracy %.4f%n", Evaluation.of(model, data.test()).accuracy());
    }
}
