package io.backprop4j.tensor;

/**
 * cond ? a : b elementwise, all three broadcast together; cond is a bool tensor (or any: nonzero
 * is true). Backward: g where cond to a, g elsewhere to b, each summed over its broadcast dims.
 */
record WhereOp(Tensor cond, Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor cond, Tensor a, Tensor b) {
        Loops.sameDType("where", a, b);
        Loops.Broadcast in = Loops.broadcast("where", cond, a, b);
        double[] c = in.values()[0], x = in.values()[1], y = in.values()[2], out = new double[in.size()];
        for (int i = 0; i < out.length; i++) out[i] = c[i] != 0 ? x[i] : y[i];
        return Autograd.record(Loops.fromDoubles(out, a.dtype(), in.shape()), new WhereOp(cond, a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {cond, a, b}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {cond}; }

    public Tensor[] backward(Tensor g) {
        Loops.Broadcast in = Loops.broadcast("backward", cond, g);
        double[] c = in.values()[0], gv = in.values()[1];
        double[] ga = new double[gv.length], gb = new double[gv.length];
        for (int i = 0; i < gv.length; i++) {
            if (c[i] != 0) ga[i] = gv[i]; else gb[i] = gv[i];
        }
        return new Tensor[] {
            null,
            a.requiresGrad() ? Autograd.unbroadcast(Loops.fromDoubles(ga, g.dtype(), in.shape()), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(Loops.fromDoubles(gb, g.dtype(), in.shape()), b.shape()) : null};
    }
}
