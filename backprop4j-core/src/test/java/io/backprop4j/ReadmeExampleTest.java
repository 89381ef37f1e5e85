package io.backprop4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Losses;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Softmax;
import io.backprop4j.optim.SGD;
import io.backprop4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The README's "library in ten lines", as written there. */
class ReadmeExampleTest {
    @Test
    void tenLineExampleRunsAndLearns() {
        var rng = new java.util.SplittableRandom(42);
        var model = new Sequential(new Linear(4, 3, rng), new LeakyReLU(0.01), new Linear(3, 2, rng), new Softmax());
        var x = Tensor.of(new float[][] {{3, 1, -1, 2}});
        var y = Tensor.of(new float[][] {{0, 1}});
        var sgd = new SGD(model.parameters(), 0.1);
        Tensor loss = Losses.binaryCrossEntropy(model.forward(x), y);
        loss.backward();
        sgd.step();
        String printed = loss + "\n" + model;
        assertTrue(printed.startsWith("tensor(") && printed.contains("Linear(in=4, out=3, bias=true)"), printed);
        for (var p : model.parameters()) assertNotNull(p.grad());
        double after = Losses.binaryCrossEntropy(model.forward(x), y).item();
        assertTrue(after < loss.item(), "one step lowers the loss: " + loss.item() + " -> " + after);
        assertEquals(4, model.parameters().size());
    }
}
