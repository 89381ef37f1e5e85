package io.backprop4j.examples;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.Module;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A module of one's own: a residual block y = x + W₂ relu(W₁ x). Children registered with
 * {@code child} are found by {@code parameters()}, saved by name, and called through {@code call}
 * so that forward hooks see them.
 */
public final class CustomModule {
    static final class Residual extends Module {
        private final Linear inner, outer;

        Residual(int width, RandomGenerator rng) {
            inner = child("inner", new Linear(width, width, rng));
            outer = child("outer", new Linear(width, width, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.add(outer.call(inner.call(x).relu()));
        }

        @Override
        public String toString() {
            return "Residual(width=" + inner.inFeatures() + ")";
        }
    }

    public static void main(String[] args) {
        var rng = new SplittableRandom(3);
        var block = new Residual(4, rng);
        var x = Tensor.randn(rng, DType.FLOAT32, 16, 4);
        var target = x.add(x.relu());   // the identity path gives x; the block can learn relu(x) exactly
        var sgd = new SGD(block.parameters(), 0.1);
        double first = 0, last = 0;
        for (int step = 0; step < 1500; step++) {
            sgd.zeroGrad();
            Tensor loss = Losses.mse(block.call(x), target);
            loss.backward();
            sgd.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        System.out.println(block + " " + block.namedParameters().keySet());
        System.out.printf("loss %.4f -> %.4f%n", first, last);
    }
}
