package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Recurrent;
import io.backprop4j.internal.kernel.Recurrent.Cell;

/**
 * One recurrent layer (tanh RNN, LSTM or GRU, PyTorch's formulas and gate order) over a whole
 * window, time major: x [T, N, I], h0 and c0 [N, H] (null: zeros; c0 only for the LSTM), W_ih
 * [G·H, I], W_hh [G·H, H], b_ih and b_hh [G·H] (null: none). The output is [T, N, S]: h_t in the
 * first H columns of step t and, for the LSTM, c_t in the next H (S = 2H), so that the final
 * cell state is part of the one output. Backward is backpropagation through time over the whole
 * window; the formulas and kernels are {@link Recurrent}'s.
 */
record RecurrentOp(Cell cell, Tensor x, Tensor h0, Tensor c0, Tensor wih, Tensor whh, Tensor bih, Tensor bhh,
                   Tensor out, Tensor gates, Tensor hn) implements Primitive {

    static Tensor apply(Cell cell, Tensor x, Tensor h0, Tensor c0, Tensor wih, Tensor whh, Tensor bih, Tensor bhh) {
        String op = cell.name().toLowerCase(java.util.Locale.ROOT);
        if (x.rank() != 3) throw new ShapeException(op + ": input must be 3-D [steps, batch, features], got " + Shapes.str(x.shape()));
        if (!x.dtype().isFloatingPoint()) throw new BackpropException(op + ": input is " + x.dtype() + "; convert it with .to(DType.FLOAT32)");
        int steps = x.size(0), n = x.size(1), in = x.size(2);
        if (wih.rank() != 2 || whh.rank() != 2 || wih.size(0) % cell.gates != 0) {
            throw new ShapeException(op + ": weights " + Shapes.str(wih.shape()) + " and " + Shapes.str(whh.shape())
                    + " are not [" + cell.gates + "·hidden, input] and [" + cell.gates + "·hidden, hidden]");
        }
        int hidden = wih.size(0) / cell.gates, gh = wih.size(0);
        if (wih.size(1) != in) {
            throw new ShapeException(op + ": input " + Shapes.str(x.shape()) + " has " + in + " features, the weight "
                    + Shapes.str(wih.shape()) + " expects " + wih.size(1));
        }
        if (whh.size(0) != gh || whh.size(1) != hidden) {
            throw new ShapeException(op + ": recurrent weight " + Shapes.str(whh.shape()) + " does not fit input weight "
                    + Shapes.str(wih.shape()) + ": expected [" + gh + ", " + hidden + "]");
        }
        if (steps == 0) throw new ShapeException(op + ": the sequence is empty (input " + Shapes.str(x.shape()) + ")");
        if (c0 != null && cell != Cell.LSTM) throw new BackpropException(op + ": only the LSTM has a cell state");
        for (Tensor t : new Tensor[] {h0, c0}) {
            if (t == null) continue;
            Loops.sameDType(op, x, t);
            if (t.rank() != 2 || t.size(0) != n || t.size(1) != hidden) {
                throw new ShapeException(op + ": initial state " + Shapes.str(t.shape()) + " does not fit input " + Shapes.str(x.shape())
                        + " and hidden size " + hidden + ": expected [" + n + ", " + hidden + "]");
            }
        }
        for (Tensor t : new Tensor[] {wih, whh, bih, bhh}) {
            if (t == null) continue;
            Loops.sameDType(op, x, t);
        }
        for (Tensor b : new Tensor[] {bih, bhh}) {
            if (b != null && (b.rank() != 1 || b.size(0) != gh)) {
                throw new ShapeException(op + ": bias " + Shapes.str(b.shape()) + " does not fit weight " + Shapes.str(wih.shape())
                        + ": expected [" + gh + "]");
            }
        }
        int s = cell.stateWidth(hidden);
        Tensor xc = flat(x), h = flat(h0), c = flat(c0), wi = flat(wih), wh = flat(whh), bi = flat(bih), bh = flat(bhh);
        Tensor out = Tensor.zeros(x.dtype(), steps, n, s);
        Tensor gates = Tensor.zeros(x.dtype(), steps, n, gh);
        Tensor hn = cell == Cell.GRU ? Tensor.zeros(x.dtype(), steps, n, hidden) : null;
        if (x.dtype() == DType.FLOAT32) {
            Recurrent.forward(cell, steps, n, in, hidden, xc.floatArray(), h == null ? null : h.floatArray(), off(h),
                    c == null ? null : c.floatArray(), off(c), wi.floatArray(), off(wi), wh.floatArray(), off(wh),
                    bi == null ? null : bi.floatArray(), off(bi), bh == null ? null : bh.floatArray(), off(bh),
                    out.floatArray(), gates.floatArray(), hn == null ? null : hn.floatArray());
        } else {
            Recurrent.forward(cell, steps, n, in, hidden, xc.doubleArray(), h == null ? null : h.doubleArray(), off(h),
                    c == null ? null : c.doubleArray(), off(c), wi.doubleArray(), off(wi), wh.doubleArray(), off(wh),
                    bi == null ? null : bi.doubleArray(), off(bi), bh == null ? null : bh.doubleArray(), off(bh),
                    out.doubleArray(), gates.doubleArray(), hn == null ? null : hn.doubleArray());
        }
        return Autograd.record(out, new RecurrentOp(cell, x, h0, c0, wih, whh, bih, bhh, out, gates, hn));
    }

    /** Contiguous data (the input x also from offset 0, as the kernel reads it); null stays null. */
    private static Tensor flat(Tensor t) {
        if (t == null) return null;
        Tensor c = t.contiguousData();
        if (c.offset() == 0) return c;
        return c.dtype() == DType.FLOAT32
                ? Tensor.of(java.util.Arrays.copyOfRange(c.floatArray(), c.offset(), c.offset() + c.numel()), c.shape())
                : Tensor.of(java.util.Arrays.copyOfRange(c.doubleArray(), c.offset(), c.offset() + c.numel()), c.shape());
    }

    private static int off(Tensor t) {
        return t == null ? 0 : t.offset();
    }

    public Tensor[] inputs() { return new Tensor[] {x, h0, c0, wih, whh, bih, bhh}; }

    @Override
    public Tensor[] saved() {
        return java.util.Arrays.stream(new Tensor[] {x, h0, c0, wih, whh, out}).filter(java.util.Objects::nonNull).toArray(Tensor[]::new);
    }

    public Tensor[] backward(Tensor g) {
        int steps = x.size(0), n = x.size(1), in = x.size(2), hidden = whh.size(1);
        Tensor xc = flat(x), h = flat(h0), c = flat(c0), wi = flat(wih), wh = flat(whh), gc = flat(g);
        Tensor dx = grad(x), dh0 = grad(h0), dc0 = grad(c0), dwih = grad(wih), dwhh = grad(whh), dbih = grad(bih), dbhh = grad(bhh);
        if (x.dtype() == DType.FLOAT32) {
            Recurrent.backward(cell, steps, n, in, hidden, xc.floatArray(), h == null ? null : h.floatArray(), off(h),
                    c == null ? null : c.floatArray(), off(c), wi.floatArray(), off(wi), wh.floatArray(), off(wh), out.floatArray(),
                    gates.floatArray(), hn == null ? null : hn.floatArray(), gc.floatArray(), fa(dx), fa(dh0), fa(dc0),
                    fa(dwih), fa(dwhh), fa(dbih), fa(dbhh));
        } else {
            Recurrent.backward(cell, steps, n, in, hidden, xc.doubleArray(), h == null ? null : h.doubleArray(), off(h),
                    c == null ? null : c.doubleArray(), off(c), wi.doubleArray(), off(wi), wh.doubleArray(), off(wh), out.doubleArray(),
                    gates.doubleArray(), hn == null ? null : hn.doubleArray(), gc.doubleArray(), da(dx), da(dh0), da(dc0),
                    da(dwih), da(dwhh), da(dbih), da(dbhh));
        }
        return new Tensor[] {dx, dh0, dc0, dwih, dwhh, dbih, dbhh};
    }

    private static Tensor grad(Tensor t) {
        return t != null && t.requiresGrad() ? Tensor.zeros(t.dtype(), t.shape()) : null;
    }

    private static float[] fa(Tensor t) {
        return t == null ? null : t.floatArray();
    }

    private static double[] da(Tensor t) {
        return t == null ? null : t.doubleArray();
    }
}
