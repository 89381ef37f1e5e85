package io.backprop4j.tensor;

/** The forward and backward that {@link MaximumOp} and {@link MinimumOp} share (one with the sign flipped). */
final class Extremum {
    private Extremum() {}

    static Tensor forward(String op, Tensor a, Tensor b, boolean max) {
        Loops.sameDType(op, a, b);
        Loops.Broadcast in = Loops.broadcast(op, a, b);
        double[] x = in.values()[0], y = in.values()[1], out = new double[in.size()];
        for (int i = 0; i < out.length; i++) {
            double u = x[i], v = y[i];
            out[i] = Double.isNaN(u) || Double.isNaN(v) ? Double.NaN : max ? Math.max(u, v) : Math.min(u, v);
        }
        return Loops.fromDoubles(out, a.dtype(), in.shape());
    }

    /** g·[a wins] + ½g·[tie] for a, and the same for b, each unbroadcast to its shape. */
    static Tensor[] backward(Tensor g, Tensor a, Tensor b, boolean max) {
        Loops.Broadcast in = Loops.broadcast("backward", a, b);
        double[] x = in.values()[0], y = in.values()[1], gv = g.toDoubleArray();
        double[] ga = new double[gv.length], gb = new double[gv.length];
        for (int i = 0; i < gv.length; i++) {
            if (x[i] == y[i]) {
                ga[i] = gb[i] = gv[i] / 2;
            } else if ((x[i] > y[i]) == max) {
                ga[i] = gv[i];
            } else {
                gb[i] = gv[i];
            }
        }
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(Loops.fromDoubles(ga, g.dtype(), in.shape()), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(Loops.fromDoubles(gb, g.dtype(), in.shape()), b.shape()) : null};
    }
}
