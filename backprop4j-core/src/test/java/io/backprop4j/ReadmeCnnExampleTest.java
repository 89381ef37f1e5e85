package io.backprop4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.Adam;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The README's convolutional network in ten lines, as written there (between the markers). */
class ReadmeCnnExampleTest {
    @Test
    void cnnExampleRunsAndLearns() {
        double first = Double.NaN, last = Double.NaN;
        // README example start
        var rng = new java.util.SplittableRandom(42);
        var model = new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),    // [N, 1, 28, 28] -> [N, 16, 14, 14]
                new Conv2d(16, 32, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),   // -> [N, 32, 7, 7]
                new Flatten(), new Linear(32 * 7 * 7, 10, rng));                  // -> [N, 1568] -> [N, 10] logits
        var adam = new Adam(model.parameters(), 1e-3);
        Tensor x = Tensor.rand(rng, DType.FLOAT32, 64, 1, 28, 28);                // a batch of images, NCHW
        int[] y = rng.ints(64, 0, 10).toArray();                                  // their classes
        for (int step = 0; step < 20; step++) {
            adam.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(x), y);
            loss.backward();                                                      // through the pools and convolutions
            adam.step();
            // README example end
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < first, "20 steps on one batch lower its loss: " + first + " -> " + last);
        assertTrue(model.toString().contains("(0): Conv2d(in=1, out=16, kernel=3, stride=1, padding=1)"), model.toString());
    }
}
