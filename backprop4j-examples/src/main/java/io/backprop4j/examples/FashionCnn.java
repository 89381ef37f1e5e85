package io.backprop4j.examples;

import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Dataset;
import io.backprop4j.data.Datasets;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Unflatten;
import io.backprop4j.optim.Adam;
import io.backprop4j.train.EpochStats;
import io.backprop4j.train.Evaluation;
import io.backprop4j.train.History;
import io.backprop4j.train.Trainer;
import io.backprop4j.train.TrainingListener;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Fashion-MNIST (Debian's dataset-fashion-mnist) with a small CNN, PyTorch's tutorial network:
 * two 3x3 convolutions with max pooling, then two dense layers; Adam, batch 128. Arguments:
 * epochs (default 2) and how many training and test images to use (default all).
 */
public final class FashionCnn {
    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int limit = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
        DataSplits data = Datasets.load("fashion-mnist");
        Dataset train = first(data.train(), limit), test = first(data.test(), limit);
        var rng = new SplittableRandom(1);
        var model = new Sequential(new Unflatten(1, 1, 28, 28),                   // rows of 784 pixels to [N, 1, 28, 28]
                new Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),    // [N, 16, 14, 14]
                new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),   // [N, 32, 7, 7]
                new Flatten(), new Linear(32 * 7 * 7, 128, rng), new ReLU(), new Linear(128, 10, rng));
        var trainer = Trainer.builder().epochs(epochs).batchSize(128).seed(1)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochStats e, History all) {
                        System.out.println(e.summary(epochs));
                    }
                })
                .build();
        trainer.fit(model, new Adam(model.parameters(), 1e-3), train, null);
        System.out.printf("test accuracy %.4f%n", Evaluation.of(model, test).accuracy());
    }

    /** The first {@code limit} examples. */
    private static Dataset first(Dataset d, int limit) {
        return limit < d.size() ? d.subset(IntStream.range(0, limit).toArray()) : d;
    }
}
