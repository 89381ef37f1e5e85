package io.backprop4j.tensor;

/**
 * a^b elementwise with broadcasting, both tensors. Backward: g·b·a^(b−1) for a, g·a^b·ln a for
 * b (0 where a = 0 and b ≥ 0, as PyTorch masks it), each summed over its broadcast dims.
 */
record PowOp(Tensor a, Tensor b, Tensor out) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        Loops.sameDType("pow", a, b);
        Loops.Broadcast in = Loops.broadcast("pow", a, b);
        double[] x = in.values()[0], y = in.values()[1], v = new double[in.size()];
        for (int i = 0; i < v.length; i++) v[i] = Math.pow(x[i], y[i]);
        Tensor out = Loops.fromDoubles(v, a.dtype(), in.shape());
        return Autograd.record(out, new PowOp(a, b, out));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {a, b, out}; }

    public Tensor[] backward(Tensor g) {
        Loops.Broadcast in = Loops.broadcast("backward", a, b, out, g);
        double[] x = in.values()[0], y = in.values()[1], o = in.values()[2], gv = in.values()[3];
        double[] ga = new double[gv.length], gb = new double[gv.length];
        for (int i = 0; i < gv.length; i++) {
            ga[i] = y[i] == 0 ? 0 : gv[i] * y[i] * Math.pow(x[i], y[i] - 1);
            gb[i] = x[i] == 0 && y[i] >= 0 ? 0 : gv[i] * o[i] * Math.log(x[i]);
        }
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(Loops.fromDoubles(ga, g.dtype(), in.shape()), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(Loops.fromDoubles(gb, g.dtype(), in.shape()), b.shape()) : null};
    }
}
