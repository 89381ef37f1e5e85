package io.backprop4j.autograd;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reverse-mode engine. Ops record themselves on their outputs as they run (define-by-run);
 * {@link #backward} visits the recorded graph in reverse topological order, asks each op for the
 * gradients of its inputs, and accumulates them: a tensor used twice gets both contributions.
 * Gradients reach {@link Tensor#grad()} of leaves that require grad and of intermediates marked
 * with {@link Tensor#retainGrad()}.
 */
public final class Autograd {
    private Autograd() {}

    /** Whether an op on these inputs must be recorded: grad mode is on and one input requires grad. */
    public static boolean needsGrad(Tensor... inputs) {
        if (!NoGrad.isGradEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Attaches {@code op} to {@code out} when its inputs need gradients; returns out. */
    static Tensor record(Tensor out, Op op) {
        if (needsGrad(op.inputs())) out.attach(op);
        return out;
    }

    /**
     * Sums {@code grad} over the dims that broadcasting added or stretched, giving the gradient
     * of a tensor of {@code shape} that was broadcast to grad's shape.
     */
    public static Tensor unbroadcast(Tensor grad, int[] shape) {
        int[] g = grad.shape();
        if (Arrays.equals(g, shape)) return grad;
        int lead = g.length - shape.length;
        if (lead < 0) throw new ShapeException("unbroadcast: gradient " + Shapes.str(g) + " has fewer dims than " + Shapes.str(shape));
        List<Integer> dims = new ArrayList<>();
        for (int i = 0; i < g.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && g[i] != 1)) dims.add(i);
        }
        Tensor s = dims.isEmpty() ? grad : Sum.apply(grad, dims.stream().mapToInt(Integer::intValue).toArray(), true);
        return s.reshape(shape);
    }

    /**
     * Back-propagates from {@code root}. {@code seed} is d(loss)/d(root); null means 1 and needs a
     * one-element root.
     */
    public static void backward(Tensor root, Tensor seed) {
        if (!root.requiresGrad()) {
            throw new BackpropException("backward: this tensor does not require grad: no parameter with "
                    + "requiresGrad(true) took part in computing it (or it was computed under NoGrad)");
        }
        if (seed == null) {
            if (root.numel() != 1) {
                throw new ShapeException("backward: the output has shape " + Shapes.str(root.shape())
                        + "; pass a gradient of that shape, or reduce it to one value first (sum(), mean())");
            }
            seed = Tensor.onesLike(root);
        } else if (!seed.sameShape(root)) {
            throw new ShapeException("backward: gradient shape " + Shapes.str(seed.shape())
                    + " differs from output shape " + Shapes.str(root.shape()));
        }
        List<Tensor> order = topologicalOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        // How many times each gradient storage was handed out in this pass: a leaf may adopt a
        // gradient it alone received instead of copying it (the weights' gradients, every step).
        Map<Object, Integer> handed = new IdentityHashMap<>();
        handed.put(storage(seed), 2);
        try (var ignored = NoGrad.enter()) {
            for (int k = order.size() - 1; k >= 0; k--) {
                Tensor t = order.get(k);
                Tensor g = grads.remove(t);
                if (g == null) continue;
                Op op = t.gradFn();
                if (op == null || t.retainsGrad()) accumulateInto(t, g, op == null && handed.get(storage(g)) == 1);
                if (op == null) continue;
                Tensor[] inputs = op.inputs();
                Tensor[] inGrads = op.backward(g);
                if (inGrads.length != inputs.length) {
                    throw new IllegalStateException(op.name() + ": backward returned " + inGrads.length
                            + " gradients for " + inputs.length + " inputs");
                }
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i];
                    Tensor gi = inGrads[i];
                    if (in == null || !in.requiresGrad() || gi == null) continue;
                    if (!gi.sameShape(in)) {
                        throw new IllegalStateException(op.name() + ": backward gave input " + i + " a gradient of shape "
                                + Shapes.str(gi.shape()) + " for an input of shape " + Shapes.str(in.shape()));
                    }
                    Tensor prev = grads.get(in);
                    Tensor sum = prev == null ? gi : prev.add(gi);
                    handed.merge(storage(gi), 1, Integer::sum);
                    if (sum != gi) handed.merge(storage(sum), 1, Integer::sum);
                    grads.put(in, sum);
                }
            }
        }
    }

    private static Object storage(Tensor t) {
        return t.dtype() == io.backprop4j.tensor.DType.FLOAT32 ? t.floatArray() : t.doubleArray();
    }

    private static void accumulateInto(Tensor t, Tensor g, boolean unshared) {
        Tensor existing = t.grad();
        if (existing == null && unshared && g.dtype() == t.dtype() && g.offset() == 0 && g.isContiguous()
                && !g.requiresGrad() && java.lang.reflect.Array.getLength(storage(g)) == g.numel()) {
            t.setGrad(g);
        } else if (existing == null) {
            // A fresh contiguous copy: the gradient may alias a view of another tensor.
            Tensor own = Tensor.zeros(t.dtype(), t.shape()).copy_(g.dtype() == t.dtype() ? g : g.to(t.dtype()));
            t.setGrad(own);
        } else {
            existing.addInPlace(g.dtype() == existing.dtype() ? g : g.to(existing.dtype()), 1.0);
        }
    }

    /** Tensors reachable from root through recorded ops, each after all of its inputs. */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>(32);
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.gradFn() == null ? new Tensor[0] : t.gradFn().inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.requiresGrad() && visited.put(in, Boolean.TRUE) == null) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
