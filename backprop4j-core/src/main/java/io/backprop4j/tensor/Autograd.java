package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
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
 * with {@link Tensor#retainGrad()}. Each op lets its inputs go once it has run backwards, so a
 * graph runs backwards once (PyTorch's default, without retain_graph).
 */
final class Autograd {
    private Autograd() {}

    /** Whether an op on these inputs must be recorded: grad mode is on and one input requires grad. */
    static boolean needsGrad(Tensor... inputs) {
        if (!NoGrad.isGradEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Attaches {@code op} to {@code out} when its inputs need gradients; returns out. */
    static Tensor record(Tensor out, Primitive op) {
        if (needsGrad(op.inputs())) out.attach(op);
        return out;
    }

    /**
     * Sums {@code grad} over the dims that broadcasting added or stretched, giving the gradient
     * of a tensor of {@code shape} that was broadcast to grad's shape.
     */
    static Tensor unbroadcast(Tensor grad, int[] shape) {
        int[] g = grad.shape();
        if (Arrays.equals(g, shape)) return grad;
        int lead = g.length - shape.length;
        if (lead < 0) throw new ShapeException("unbroadcast: gradient " + Shapes.str(g) + " has fewer dims than " + Shapes.str(shape));
        List<Integer> dims = new ArrayList<>();
        for (int i = 0; i < g.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && g[i] != 1)) dims.add(i);
        }
        Tensor s = dims.isEmpty() ? grad : SumOp.apply(grad, dims.stream().mapToInt(Integer::intValue).toArray(), true);
        return s.reshape(shape);
    }

    /**
     * Back-propagates from {@code root}. {@code seed} is d(loss)/d(root); null means 1 and needs a
     * one-element root.
     */
    static void backward(Tensor root, Tensor seed) {
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
        Graph graph = topologicalOrder(root);
        List<Tensor> order = graph.order();
        Tensor[] grads = new Tensor[order.size()];
        grads[order.size() - 1] = seed;
        // How many times each gradient storage was handed out in this pass: a leaf may adopt a
        // gradient it alone received instead of copying it (the weights' gradients, every step).
        IdentityCounts handed = new IdentityCounts();
        handed.add(storage(seed), 2);
        try (var ignored = NoGrad.enter()) {
            for (int k = order.size() - 1; k >= 0; k--) {
                Tensor t = order.get(k);
                Tensor g = grads[k];
                if (g == null) continue;
                grads[k] = null;
                Primitive op = t.primitive();
                order.set(k, null);
                graph.position().remove(t); // every op that reads t came later in the order: none looks it up again
                if (op == null || t.retainsGrad()) accumulateInto(t, g, op == null && handed.get(storage(g)) == 1);
                if (op == null) continue;
                t.checkSaved();
                Tensor[] inputs = op.inputs();
                // g is the engine's alone when its storage was handed out once and t keeps no copy of it.
                boolean owned = !t.retainsGrad() && handed.get(storage(g)) == 1;
                Tensor[] inGrads = owned ? op.backwardOwned(g) : op.backward(g);
                if (inGrads.length != inputs.length) {
                    throw new IllegalStateException(op.name() + ": backward returned " + inGrads.length
                            + " gradients for " + inputs.length + " inputs");
                }
                // An owned g is dead after the op: the first gradient over its storage (ReLU's own
                // g written over, a reshape's view) takes its place instead of counting a second hand.
                Object passOn = owned ? storage(g) : null;
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i];
                    Tensor gi = inGrads[i];
                    if (in == null || !in.requiresGrad() || gi == null) continue;
                    if (!gi.sameShape(in)) {
                        throw new IllegalStateException(op.name() + ": backward gave input " + i + " a gradient of shape "
                                + Shapes.str(gi.shape()) + " for an input of shape " + Shapes.str(in.shape()));
                    }
                    int at = graph.position().get(in);
                    Tensor prev = grads[at];
                    Tensor sum = prev == null ? gi : prev.add(gi);
                    if (passOn != null && storage(gi) == passOn) passOn = null;
                    else handed.add(storage(gi), 1);
                    if (sum != gi) handed.add(storage(sum), 1);
                    grads[at] = sum;
                }
                t.releaseGraph();
            }
        }
    }

    /** Identity-keyed counters; a linear scan, since a backward pass hands out few gradients. */
    private static final class IdentityCounts {
        private Object[] keys = new Object[16];
        private int[] counts = new int[16];
        private int size;

        void add(Object key, int delta) {
            for (int i = 0; i < size; i++) {
                if (keys[i] == key) {
                    counts[i] += delta;
                    return;
                }
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                counts = Arrays.copyOf(counts, size * 2);
            }
            keys[size] = key;
            counts[size++] = delta;
        }

        int get(Object key) {
            for (int i = 0; i < size; i++) if (keys[i] == key) return counts[i];
            return 0;
        }
    }

    private static Object storage(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? t.floatArray() : t.doubleArray();
    }

    private static void accumulateInto(Tensor t, Tensor g, boolean unshared) {
        Tensor existing = t.grad();
        if (existing == null && unshared && g.dtype() == t.dtype() && g.offset() == 0 && g.isContiguous()
                && !g.requiresGrad() && java.lang.reflect.Array.getLength(storage(g)) == g.numel()) {
            t.setGrad(g);
        } else if (existing == null) {
            // A fresh contiguous copy: the gradient may alias a view of another tensor. A strided view
            // (a transposed weight's gradient) is gathered, not copied element by element.
            Tensor src = g.dtype() == t.dtype() ? g : g.to(t.dtype());
            Tensor own = src.isContiguous() ? Tensor.zeros(t.dtype(), t.shape()).copy_(src) : src.contiguousData().detach();
            t.setGrad(own);
        } else {
            existing.addInPlace(g.dtype() == existing.dtype() ? g : g.to(existing.dtype()), 1.0);
        }
    }

    /** Tensors reachable from root, each after all of its inputs, and each one's place in that order. */
    record Graph(List<Tensor> order, Map<Tensor, Integer> position) {}

    /** Tensors reachable from root through recorded ops, each after all of its inputs. */
    static Graph topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>(16);
        Map<Tensor, Integer> position = new IdentityHashMap<>(8);
        // An explicit stack (no recursion: graphs can be deep): the tensor, its inputs, the next input.
        Tensor[] tensors = new Tensor[16];
        Tensor[][] inputsOf = new Tensor[16][];
        int[] next = new int[16];
        int top = 0;
        tensors[0] = root;
        inputsOf[0] = inputsOf(root);
        position.put(root, -1);
        while (top >= 0) {
            Tensor[] inputs = inputsOf[top];
            if (next[top] < inputs.length) {
                Tensor in = inputs[next[top]++];
                if (in != null && in.requiresGrad() && position.putIfAbsent(in, -1) == null) {
                    if (++top == tensors.length) {
                        tensors = Arrays.copyOf(tensors, top * 2);
                        inputsOf = Arrays.copyOf(inputsOf, top * 2);
                        next = Arrays.copyOf(next, top * 2);
                    }
                    tensors[top] = in;
                    inputsOf[top] = inputsOf(in);
                    next[top] = 0;
                }
            } else {
                position.put(tensors[top], order.size());
                order.add(tensors[top]);
                tensors[top] = null;
                inputsOf[top] = null;
                top--;
            }
        }
        return new Graph(order, position);
    }

    private static final Tensor[] NONE = new Tensor[0];

    private static Tensor[] inputsOf(Tensor t) {
        if (t.releasedOp() != null) {
            throw new BackpropException("backward: this graph was already run backwards and let go (through " + t.releasedOp()
                    + "); run the forward pass again for another backward");
        }
        return t.gradFn() == null ? NONE : t.gradFn().inputs();
    }
}
