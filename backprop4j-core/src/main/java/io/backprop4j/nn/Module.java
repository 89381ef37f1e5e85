package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A piece of a network: maps an input tensor to an output tensor and owns its parameters.
 *
 * <p>Life cycle: a constructor registers parameters ({@link #param}) and sub-modules
 * ({@link #child}) in declaration order and allocates them; {@link #resetParameters} fills them
 * from a {@code RandomGenerator}; {@link #forward} computes; an optimiser updates
 * {@link #parameters()}. Modules start in training mode; {@link #evalScope()} switches a whole
 * tree to evaluation mode (dropout off, batch norm on running statistics) until closed.
 *
 * <p>{@link #call} runs {@link #forward} and then the forward hooks registered on the module
 * ({@link #registerForwardHook}), as PyTorch's {@code module(x)} does; containers call their
 * children that way, so a hook on a layer sees each output of that layer during the real pass.
 * Calling {@code forward} directly skips the module's own hooks.
 *
 * <pre>{@code
 * var model = new Sequential(new Linear(4, 3, rng), new LeakyReLU(0.01), new Linear(3, 2, rng), new Softmax());
 * Tensor y = model.forward(x);
 * model.parameters();   // [0.weight, 0.bias, 2.weight, 2.bias], in that order
 * }</pre>
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private boolean training = true;

    private final List<ForwardHook> forwardHooks = new ArrayList<>(0);

    /** Computes the output for {@code input}. Implemented by each module; callers use {@link #call}. */
    public abstract Tensor forward(Tensor input);

    /** {@link #forward}, then every forward hook of this module in registration order; returns the output. */
    public final Tensor call(Tensor input) {
        Tensor output = forward(input);
        if (!forwardHooks.isEmpty()) {
            for (ForwardHook h : forwardHooks.toArray(new ForwardHook[0])) h.afterForward(this, input, output);
        }
        return output;
    }

    /** Sees a module's input and output after each {@link #call}; it must not modify them. */
    @FunctionalInterface
    public interface ForwardHook {
        void afterForward(Module module, Tensor input, Tensor output);
    }

    /** Removes its hook when closed (PyTorch's {@code RemovableHandle}); closing twice is harmless. */
    public interface HookHandle extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Registers {@code hook} to run after every {@link #call} of this module (not of its
     * children: register on them for theirs). Returns the handle that removes it.
     */
    public final HookHandle registerForwardHook(ForwardHook hook) {
        if (hook == null) throw new BackpropException("registerForwardHook: hook is null");
        ForwardHook own = hook::afterForward;   // a distinct object, so that removing it removes this registration only
        forwardHooks.add(own);
        return () -> forwardHooks.remove(own);
    }

    /** Registers a parameter under {@code name}; returns it. */
    protected final Parameter param(String name, Tensor data) {
        Parameter p = data instanceof Parameter q ? q : new Parameter(data);
        if (params.putIfAbsent(name, p) != null) throw new BackpropException("parameter '" + name + "' is registered twice");
        return p;
    }

    /**
     * Registers a buffer under {@code name}: state that is saved with the module but not learnt
     * (batch norm's running statistics). The module updates it in place; returns it.
     */
    protected final Tensor buffer(String name, Tensor t) {
        if (params.containsKey(name) || buffers.putIfAbsent(name, t) != null) {
            throw new BackpropException("buffer '" + name + "' is registered twice");
        }
        return t;
    }

    /** Registers a sub-module under {@code name}; returns it. */
    protected final <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null) throw new BackpropException("module '" + name + "' is registered twice");
        return module;
    }

    /** All parameters of this module and its children, in declaration order. */
    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Parameters by dotted path ("0.weight", "2.bias"...), in declaration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>(params);
        children.forEach((name, m) -> m.namedParameters().forEach((k, v) -> out.put(name + "." + k, v)));
        return out;
    }

    /**
     * Buffers of this module and its children by dotted path ("1.running_mean"...), in
     * declaration order. The tensors are the live ones: copy into them ({@code copy_}) to load.
     */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>(buffers);
        children.forEach((name, m) -> m.namedBuffers().forEach((k, v) -> out.put(name + "." + k, v)));
        return out;
    }

    /**
     * This module and all below it by dotted path, parents before children, in declaration
     * order: "" for this module, then "0", "1", "1.0"...
     */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        out.put("", this);
        children.forEach((name, m) -> m.namedModules().forEach((k, v) -> out.put(k.isEmpty() ? name : name + "." + k, v)));
        return out;
    }

    /**
     * The module's state, PyTorch's {@code state_dict()}: every parameter and buffer of this
     * module and its children by dotted path ("0.weight", "1.running_mean"...), in PyTorch's order:
     * a module's own parameters, then its buffers, then each child's state. The tensors are detached views of the live ones (they share storage): copy them to
     * keep a snapshot; {@code io.backprop4j.io.Safetensors} writes such a map to a file.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        params.forEach((name, p) -> out.put(prefix + name, p.detach()));
        buffers.forEach((name, b) -> out.put(prefix + name, b.detach()));
        children.forEach((name, m) -> m.collectState(prefix + name + ".", out));
    }

    /**
     * Copies {@code state} into this module's parameters and buffers (PyTorch's
     * {@code load_state_dict(strict=True)}): the names must be exactly those of
     * {@link #stateDict()} and the shapes equal; dtypes are converted. Nothing is changed when a
     * name is missing or unexpected or a shape differs: the error names them all.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        if (state == null) throw new BackpropException("loadStateDict: state is null");
        Map<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (!missing.isEmpty()) problems.add("missing " + String.join(", ", missing));
        if (!unexpected.isEmpty()) problems.add("unexpected " + String.join(", ", unexpected));
        own.forEach((k, t) -> {
            Tensor s = state.get(k);
            if (s == null) return;
            if (!java.util.Arrays.equals(s.shape(), t.shape())) {
                problems.add(k + " has shape " + io.backprop4j.tensor.Shapes.str(s.shape()) + ", the module's "
                        + io.backprop4j.tensor.Shapes.str(t.shape()));
            } else if (!s.dtype().isFloatingPoint()) {
                problems.add(k + " is " + s.dtype() + ", not a floating-point tensor");
            }
        });
        if (!problems.isEmpty()) throw new BackpropException("loadStateDict: " + String.join("; ", problems));
        try (var g = NoGrad.enter()) {
            own.forEach((k, t) -> t.copy_(state.get(k)));
        }
    }

    /** Direct sub-modules by name, in declaration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Clears the gradients of all parameters. */
    public final void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** Refills the parameters of this module and its children from {@code rng}. */
    public void resetParameters(RandomGenerator rng) {
        for (Module m : children.values()) m.resetParameters(rng);
    }

    /** Whether this module is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Sets training mode on this module and all children. */
    public final void setTraining(boolean value) {
        training = value;
        for (Module m : children.values()) m.setTraining(value);
    }

    /** Evaluation mode for the whole tree until the scope is closed; then the previous modes return. */
    public final ModeScope evalScope() {
        return new ModeScope(this, false);
    }

    /** Training mode for the whole tree until the scope is closed. */
    public final ModeScope trainScope() {
        return new ModeScope(this, true);
    }

    /** A try-with-resources scope that restores each module's training flag when closed. */
    public static final class ModeScope implements AutoCloseable {
        private final Map<Module, Boolean> previous = new java.util.IdentityHashMap<>();

        private ModeScope(Module root, boolean training) {
            remember(root);
            root.setTraining(training);
        }

        private void remember(Module m) {
            previous.put(m, m.training);
            for (Module c : m.children.values()) remember(c);
        }

        @Override
        public void close() {
            previous.forEach((m, t) -> m.training = t);
        }
    }

    /** Number of trainable numbers. */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }
}
