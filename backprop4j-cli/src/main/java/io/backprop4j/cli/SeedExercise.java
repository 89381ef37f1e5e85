package io.backprop4j.cli;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.Softmax;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.Tensor;
import java.io.PrintWriter;
import java.util.List;

/** Exercise 6.1 worked by the engine: forward values, loss, gradients and the SGD update. */
final class SeedExercise {
    private SeedExercise() {}

    static void print(PrintWriter out) {
        Tensor x = Tensor.of(new double[][] {{3, 1, -1, 2}});
        Tensor y = Tensor.of(new double[][] {{0, 1}});
        Linear hidden = new Linear(Tensor.of(new double[][] {{-0.2, 0.9, 0.4}, {-0.1, 0.3, 0.4}, {0.2, 0.5, -0.7}, {0.2, -0.5, 0.5}}), null);
        Linear output = new Linear(Tensor.of(new double[][] {{0.6, -0.2}, {-0.1, 0.8}, {-0.5, -0.3}}), null);
        Tensor h = hidden.forward(x).retainGrad();
        Tensor z1 = new LeakyReLU(0.01).forward(h).retainGrad();
        Tensor o = output.forward(z1).retainGrad();
        Tensor z2 = new Softmax().forward(o).retainGrad();
        Tensor loss = Losses.binaryCrossEntropy(z2, y);
        loss.backward();
        out.println("Exercise 6.1: 4-3-2 network, leaky ReLU (0.01), softmax, binary cross-entropy, SGD lr 0.1");
        out.println("net h      = " + h);
        out.println("z1 = f(h)  = " + z1);
        out.println("net o      = " + o);
        out.println("z2 = S(o)  = " + z2);
        out.println("loss       = " + loss.item());
        out.println("dL/dz2     = " + z2.grad());
        out.println("dL/do      = " + o.grad());
        out.println("dL/dW2     = " + output.weight().grad());
        out.println("dL/dz1     = " + z1.grad());
        out.println("dL/dh      = " + h.grad());
        out.println("dL/dW1     = " + hidden.weight().grad());
        new SGD(List.of(hidden.weight(), output.weight()), 0.1).step();
        out.println("W1 updated = " + hidden.weight());
        out.println("W2 updated = " + output.weight());
        out.flush();
    }
}
