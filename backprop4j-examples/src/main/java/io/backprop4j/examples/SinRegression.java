package io.backprop4j.examples;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Tanh;
import io.backprop4j.optim.Adam;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;

/** Fits sin(x) on [-π, π] with a 1-32-32-1 tanh network by mean squared error (docs/pytorch-side-by-side.md). */
public final class SinRegression {
    public static void main(String[] args) {
        var rng = new SplittableRandom(0);
        var x = Tensor.linspace(-Math.PI, Math.PI, 200, DType.FLOAT32).unsqueeze(1);
        var y = x.sin();
        var model = new Sequential(new Linear(1, 32, rng), new Tanh(), new Linear(32, 32, rng), new Tanh(), new Linear(32, 1, rng));
        var opt = new Adam(model.parameters(), 0.01);
        for (int step = 0; step < 1000; step++) {
            opt.zeroGrad();
            Tensor loss = Losses.mse(model.call(x), y);
            loss.backward();
            opt.step();
        }
        try (var g = NoGrad.enter()) {
            System.out.printf("mse %.5f, sin(1) ≈ %.3f%n", Losses.mse(model.call(x), y).item(),
                    model.call(Tensor.full(1, 1, 1)).item());
        }
    }
}
