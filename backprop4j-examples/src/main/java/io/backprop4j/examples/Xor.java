package io.backprop4j.examples;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Tanh;
import io.backprop4j.optim.Adam;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;

/** XOR with a 2-8-1 network: the smallest problem a straight line cannot solve (docs/pytorch-side-by-side.md). */
public final class Xor {
    public static void main(String[] args) {
        var rng = new SplittableRandom(0);
        var x = Tensor.of(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
        var y = Tensor.of(new float[][] {{0}, {1}, {1}, {0}});
        var model = new Sequential(new Linear(2, 8, rng), new Tanh(), new Linear(8, 1, rng), new Sigmoid());
        var opt = new Adam(model.parameters(), 0.05);
        for (int step = 0; step < 500; step++) {
            opt.zeroGrad();
            Tensor loss = Losses.binaryCrossEntropy(model.call(x), y);
            loss.backward();
            opt.step();
        }
        System.out.println(model.call(x).gt(0.5));
    }
}
