package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Linear;
import io.backprop4j.optim.SGD;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * In-place changes and autograd (issue 18, item 9): a tensor an op saved for its backward and
 * changed afterwards makes backward refuse, naming the op; a tensor that takes part in autograd
 * cannot be changed in place while gradients are recorded.
 */
class InPlaceTest {
    @Test
    void aSavedTensorChangedAfterUseStopsBackwardNamingTheOp() {
        Tensor w = Tensor.vector(1, 2, 3).requiresGrad(true);
        Tensor x = Tensor.vector(4, 5, 6);
        Tensor loss = w.mul(x).sum();
        x.fill_(0);   // mul's backward needs x: the gradient would silently be 0
        var e = assertThrows(BackpropException.class, loss::backward);
        assertEquals("backward: a tensor of shape [3] that mul saved for its gradient was changed in place after mul used it"
                + " (its version is 1, mul saw version 0); change it after backward, or change a copy", e.getMessage());
    }

    @Test
    void aChangeThroughAViewCountsForTheWholeStorage() {
        Tensor w = Tensor.vector(1, 2, 3, 4).requiresGrad(true);
        Tensor x = Tensor.vector(4, 5, 6, 7);
        Tensor loss = w.mul(x).sum();
        x.narrow(0, 1, 2).mulInPlace(10);
        assertEquals(1, x.version());
        assertThrows(BackpropException.class, loss::backward);
    }

    @Test
    void aTensorOnlyAddedMayChange() {
        // add's backward reads no values: PyTorch lets this through, and so do we.
        Tensor w = Tensor.vector(1, 2).requiresGrad(true);
        Tensor x = Tensor.vector(3, 4);
        Tensor loss = w.add(x).sum();
        x.fill_(9);
        loss.backward();
        assertArrayEquals(new double[] {1, 1}, w.grad().toDoubleArray());
    }

    @Test
    void anOutputSavedByItsOpIsCheckedToo() {
        Tensor x = Tensor.vector(0.5, -1).requiresGrad(true);
        Tensor y = x.exp();       // exp's backward reads its output
        Tensor loss = y.sum();
        try (var g = NoGrad.enter()) {
            y.fill_(1);
        }
        var e = assertThrows(BackpropException.class, loss::backward);
        assertTrue(e.getMessage().contains("that exp saved"), e.getMessage());
    }

    @Test
    void tensorsInTheGraphCannotBeChangedInPlaceWhileRecording() {
        Tensor leaf = Tensor.vector(1, 2).requiresGrad(true);
        var e = assertThrows(BackpropException.class, () -> leaf.fill_(0));
        assertEquals("fill_: a leaf tensor that requires grad cannot be changed in place while gradients are recorded;"
                + " do it inside NoGrad.enter() (as optimisers and initialisers do), or change a copy", e.getMessage());
        assertThrows(BackpropException.class, () -> leaf.setFlat(0, 3));
        assertThrows(BackpropException.class, () -> leaf.set(3, 0));
        assertThrows(BackpropException.class, () -> leaf.copy_(Tensor.vector(5, 6)));
        assertThrows(BackpropException.class, () -> leaf.addInPlace(Tensor.vector(5, 6), 1));
        assertThrows(BackpropException.class, () -> leaf.mulInPlace(2));
        Tensor computed = leaf.mul(2);
        var c = assertThrows(BackpropException.class, () -> computed.fill_(0));
        assertTrue(c.getMessage().startsWith("fill_: a tensor computed by mul cannot be changed in place"), c.getMessage());
        assertArrayEquals(new double[] {1, 2}, leaf.toDoubleArray(), "nothing was changed");
        try (var g = NoGrad.enter()) {
            leaf.fill_(7);
        }
        assertArrayEquals(new double[] {7, 7}, leaf.toDoubleArray());
        assertEquals(1, leaf.version());
    }

    @Test
    void anOptimiserStepBeforeBackwardIsCaught() {
        var rng = new SplittableRandom(1);
        Linear layer = new Linear(3, 2, rng);
        var sgd = new SGD(layer.parameters(), 0.1);
        Tensor loss = layer.call(Tensor.randn(rng, DType.FLOAT32, 4, 3)).square().sum();
        for (var p : layer.parameters()) p.setGrad(Tensor.onesLike(p));
        int before = layer.weight().version();
        sgd.step();   // changes the weight that linear saved
        assertEquals(before + 1, layer.weight().version());
        var e = assertThrows(BackpropException.class, loss::backward);
        assertTrue(e.getMessage().contains("that linear saved"), e.getMessage());
    }
}
