package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** Modules applied in order; parameters are named "0.weight", "0.bias", "2.weight"... by position. */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) {
        for (Module m : layers) add(m);
    }

    /** Appends a module; returns this. */
    public Sequential add(Module m) {
        child(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    /** The modules, in order. */
    public List<Module> layers() {
        return List.copyOf(layers);
    }

    @Override
    public Tensor forward(Tensor x) {
        for (Module m : layers) x = m.call(x);
        return x;
    }

    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(",\n  ", "Sequential(\n  ", "\n)");
        for (int i = 0; i < layers.size(); i++) j.add("(" + i + "): " + layers.get(i));
        return j.toString();
    }
}
