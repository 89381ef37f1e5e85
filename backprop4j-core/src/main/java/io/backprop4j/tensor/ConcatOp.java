package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;

/** Joins tensors along dim; the other sizes must agree. Backward: each part's slice of g. */
record ConcatOp(Tensor[] parts, int dim) implements Primitive {
    static Tensor apply(int dim, Tensor... parts) {
        if (parts.length == 0) throw new BackpropException("concat: no tensors given");
        int r = parts[0].rank();
        int d = Shapes.axis("concat", dim, r);
        int[] sh = parts[0].shape();
        int total = 0;
        for (Tensor p : parts) {
            Loops.sameDType("concat", parts[0], p);
            int[] ps = p.shape();
            boolean ok = ps.length == r;
            for (int i = 0; ok && i < r; i++) if (i != d && ps[i] != sh[i]) ok = false;
            if (!ok) {
                throw new ShapeException("concat: shapes " + Shapes.str(sh) + " and " + Shapes.str(ps)
                        + " differ outside dim " + dim);
            }
            total += ps[d];
        }
        sh[d] = total;
        Tensor out = Tensor.zeros(parts[0].dtype(), sh);
        int at = 0;
        for (Tensor p : parts) {
            NarrowOp.apply(out, d, at, p.size(d)).copy_(p);
            at += p.size(d);
        }
        return Autograd.record(out, new ConcatOp(parts.clone(), d));
    }

    public Tensor[] inputs() { return parts.clone(); }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        Tensor[] grads = new Tensor[parts.length];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            int len = parts[i].size(dim);
            if (parts[i].requiresGrad()) grads[i] = NarrowOp.apply(g, dim, at, len).contiguousData();
            at += len;
        }
        return grads;
    }
}
