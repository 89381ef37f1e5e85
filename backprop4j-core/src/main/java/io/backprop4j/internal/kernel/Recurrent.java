package io.backprop4j.internal.kernel;

/**
 * One layer of a recurrent network over a whole window, forward and backpropagation through
 * time, on row-major arrays, with PyTorch's gate order and formulas. Shapes: x [T, N, I] (time
 * major), h0 and c0 [N, H] (null: zeros), the weights wih [G·H, I] and whh [G·H, H] (PyTorch's
 * weight_ih_l0 / weight_hh_l0 layout), the biases bih and bhh [G·H] (null: none), and the output
 * out [T, N, S]: h_t in columns [0, H), and for the LSTM c_t in [H, 2H) (S = 2H; else S = H).
 *
 * <pre>
 *   tanh RNN:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)                         (G = 1)
 *   LSTM:      [i f g o] = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh,  i f o through σ, g through tanh
 *              c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)                             (G = 4)
 *   GRU:       [r z] = σ(W_i[rz] x_t + b_i[rz] + W_h[rz] h_{t−1} + b_h[rz])
 *              n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}   (G = 3)
 * </pre>
 *
 * The input products of all T steps are one GEMM before the loop; each step then adds its
 * recurrent product h_{t−1} W_hhᵀ to its gates with one GEMM. {@code gates} [T, N, G·H] keeps the
 * gate activations for the backward pass (for the GRU also {@code hn} [T, N, H], the W_hn h + b_hn
 * that r multiplies). Backward walks t from T − 1 down to 0, carrying dL/dh_t (and dL/dc_t), and
 * collects each step's gate gradients in one [T·N, G·H] array, so that the weight gradients are
 * single GEMMs over the whole window: dW_ih = Σ_t dgates_tᵀ x_t, dW_hh = Σ_t dgates_tᵀ h_{t−1}.
 */
public final class Recurrent {
    private Recurrent() {
    }

    /** The cell: its number of gates G and PyTorch's mode name. */
    public enum Cell {
        RNN_TANH(1), LSTM(4), GRU(3);

        /** Gates per hidden unit (rows of W_ih per hidden unit). */
        public final int gates;

        Cell(int gates) {
            this.gates = gates;
        }

        /** Columns of the output per step: 2H for the LSTM (h and c), else H. */
        public int stateWidth(int hidden) {
            return this == LSTM ? 2 * hidden : hidden;
        }
    }

    // twin: float32 source
    /**
     * The forward pass; see the class comment. Writes {@code out} [T, N, S], {@code gates}
     * [T, N, G·H] and, for the GRU, {@code hn} [T, N, H]; reads the rest. All arrays are
     * contiguous from offset 0 except the weights, biases and initial states (at their offsets).
     */
    public static void forward(Cell cell, int steps, int n, int in, int hidden, float[] x, float[] h0, int h0o,
                               float[] c0, int c0o, float[] wih, int wiho, float[] whh, int whho, float[] bih, int biho,
                               float[] bhh, int bhho, float[] out, float[] gates, float[] hn) {
        int gh = cell.gates * hidden, rows = steps * n;
        // The input half of every step's gates at once.
        Gemm.sgemm(false, true, rows, gh, in, 1f, x, 0, Math.max(in, 1), wih, wiho, Math.max(in, 1), 0f, gates, 0, gh);
        // W_hhᵀ [H, G·H], the B of every step's product, packed once for the whole window.
        Gemm.PackedB whhT = pack(true, hidden, gh, whh, whho, hidden);
        Parallel.forRange(rowBlocks(n), 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                forwardRows(cell, steps, n, hidden, b * ROW_BLOCK, Math.min(n, (b + 1) * ROW_BLOCK), h0, h0o, c0, c0o,
                        whh, whho, whhT, bih, biho, bhh, bhho, out, gates, hn);
            }
        });
    }

    /** {@link #forward}'s walk through the window for the batch rows [i0, i1), the input products done (not their biases). */
    private static void forwardRows(Cell cell, int steps, int n, int hidden, int i0, int i1, float[] h0, int h0o,
                                    float[] c0, int c0o, float[] whh, int whho, Gemm.PackedB whhT, float[] bih, int biho,
                                    float[] bhh, int bhho, float[] out, float[] gates, float[] hn) {
        int gh = cell.gates * hidden, s = cell.stateWidth(hidden), m = i1 - i0;
        float[] hh = cell == Cell.GRU ? new float[m * gh] : null;
        // The GRU adds b_hn inside r ⊙ (...), with the recurrent product: not with the other biases.
        int hb = cell == Cell.GRU ? 2 * hidden : gh;
        for (int t = 0; t < steps; t++) {
            int g0 = (t * n + i0) * gh, o0 = (t * n + i0) * s;
            boolean first = t == 0;
            float[] hp = first ? h0 : out;
            int hpo = first ? h0o + i0 * hidden : ((t - 1) * n + i0) * s, ldh = first ? hidden : s;
            float[] cp = first ? c0 : out;
            int cpo = first ? c0o + i0 * hidden : ((t - 1) * n + i0) * s + hidden, ldc = first ? hidden : s;
            // The biases on the input half, here on the block's thread rather than over the window
            // before the walk (one thread); axpy with a = 1: gates + b exactly, as the plain sum.
            for (int i = 0; i < m; i++) {
                if (bih != null) {
                    Activations.axpy(gh, 1f, bih, biho, gates, g0 + i * gh);
                }
                if (bhh != null) {
                    Activations.axpy(hb, 1f, bhh, bhho, gates, g0 + i * gh);
                }
            }
            if (cell == Cell.GRU) {
                if (hp != null) {
                    product(m, hp, hpo, ldh, whhT, true, hidden, gh, whh, whho, hidden, 0f, hh, 0, gh);
                } else {
                    java.util.Arrays.fill(hh, 0f);
                }
            } else if (hp != null) {
                product(m, hp, hpo, ldh, whhT, true, hidden, gh, whh, whho, hidden, 1f, gates, g0, gh);
            }
            switch (cell) {
                case RNN_TANH -> rnnCells(m, hidden, gates, g0, out, o0);
                case LSTM -> lstmCells(m, hidden, gates, g0, cp, cpo, ldc, out, o0);
                case GRU -> gruCells(m, hidden, gates, g0, hh, bhh, bhho + 2 * hidden, hp, hpo, ldh, hn, (t * n + i0) * hidden, out, o0);
            }
        }
    }

    /**
     * Backpropagation through time; see the class comment. {@code gOut} [T, N, S] is dL/d(out)
     * (contiguous from offset 0). Writes the gradients that are not null: dx [T, N, I], dh0 and
     * dc0 [N, H], dwih [G·H, I], dwhh [G·H, H], dbih and dbhh [G·H] (all from offset 0,
     * overwritten). The other arrays are those of {@link #forward}, only read.
     */
    public static void backward(Cell cell, int steps, int n, int in, int hidden, float[] x, float[] h0, int h0o,
                                float[] c0, int c0o, float[] wih, int wiho, float[] whh, int whho, float[] out,
                                float[] gates, float[] hn, float[] gOut, float[] dx, float[] dh0, float[] dc0,
                                float[] dwih, float[] dwhh, float[] dbih, float[] dbhh) {
        int gh = cell.gates * hidden, s = cell.stateWidth(hidden), rows = steps * n;
        // Gate gradients before the nonlinearities: dG for the input side, dGh for the recurrent
        // side (the same but for the GRU's n gate, whose recurrent part r multiplies).
        float[] dg = new float[rows * gh];
        float[] dgh = cell == Cell.GRU ? new float[rows * gh] : dg;
        // W_hh [G·H, H], the B of every step's dL/dh_{t−1} = dGh_t W_hh, packed once. For the tanh
        // RNN and the LSTM (dGh = dG) with W_ih's columns beside it, so that the same product gives
        // the step's rows of dx = dG W_ih: [dL/dh_{t−1} | dx_t] = dG_t [W_hh | W_ih], each dG_t
        // packed once for both (a GEMM of dx over the window packed all of dG again).
        boolean fused = dx != null && cell != Cell.GRU && in > 0;
        int wide = fused ? hidden + in : hidden;
        float[] wb = whh;
        int wbo = whho, ldwb = hidden;
        if (fused) {
            wb = new float[gh * wide];
            for (int r = 0; r < gh; r++) {
                System.arraycopy(whh, whho + r * hidden, wb, r * wide, hidden);
                System.arraycopy(wih, wiho + r * in, wb, r * wide + hidden, in);
            }
            wbo = 0;
            ldwb = wide;
        }
        float[] wbf = wb;
        int wbof = wbo, ldwbf = ldwb;
        Gemm.PackedB whhP = pack(false, gh, wide, wb, wbo, ldwb);
        Parallel.forRange(rowBlocks(n), 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                backwardRows(cell, steps, n, in, hidden, b * ROW_BLOCK, Math.min(n, (b + 1) * ROW_BLOCK), h0, h0o, c0, c0o,
                        wbf, wbof, ldwbf, whhP, fused ? dx : null, out, gates, hn, gOut, dh0, dc0, dg, dgh);
            }
        });
        if (dx != null && !fused) {
            Gemm.sgemm(false, false, rows, in, gh, 1f, dg, 0, gh, wih, wiho, Math.max(in, 1), 0f, dx, 0, Math.max(in, 1));
        }
        if (dwih != null) {
            float[] t = new float[in * gh];
            weightGradientT(in, rows, dg, 0, gh, x, 0, in, 0f, t);
            transposeInto(t, in, gh, dwih);
        }
        if (dwhh != null) {
            // Steps 1.. against h_0..h_{T−2} (rows of out, stride S), step 0 against h0.
            float[] t = new float[hidden * gh];
            weightGradientT(hidden, (steps - 1) * n, dgh, n * gh, gh, out, 0, s, 0f, t);
            if (h0 != null) {
                weightGradientT(hidden, n, dgh, 0, gh, h0, h0o, hidden, 1f, t);
            }
            transposeInto(t, hidden, gh, dwhh);
        }
        if (dbih != null) {
            columnSums(dg, rows, gh, dbih);
        }
        if (dbhh != null && dbih != null && dgh == dg) {
            // The tanh RNN's and the LSTM's two biases have one gradient.
            System.arraycopy(dbih, 0, dbhh, 0, gh);
        } else if (dbhh != null) {
            columnSums(dgh, rows, gh, dbhh);
        }
    }

    /**
     * {@link #backward}'s walk back through the window for the batch rows [i0, i1): their gate
     * gradients into dg and dgh, and their rows of dh0 and dc0 (where not null). The product's B
     * is wb [G·H, wide] at wbo (row stride ldwb), packed in whhP: W_hh, or, where dx is not null,
     * [W_hh | W_ih] (wide = H + I), whose last I columns are the rows of dx.
     */
    private static void backwardRows(Cell cell, int steps, int n, int in, int hidden, int i0, int i1, float[] h0, int h0o,
                                     float[] c0, int c0o, float[] wb, int wbo, int ldwb, Gemm.PackedB whhP, float[] dx, float[] out,
                                     float[] gates, float[] hn, float[] gOut, float[] dh0, float[] dc0, float[] dg, float[] dgh) {
        int gh = cell.gates * hidden, s = cell.stateWidth(hidden), m = i1 - i0, wide = dx == null ? hidden : hidden + in;
        float[] dh = new float[m * hidden];
        float[] prod = dx == null ? dh : new float[m * wide];
        float[] dc = cell == Cell.LSTM ? new float[m * hidden] : null;
        float[] direct = cell == Cell.GRU ? new float[m * hidden] : null;
        for (int t = steps - 1; t >= 0; t--) {
            int g0 = (t * n + i0) * gh, o0 = (t * n + i0) * s;
            boolean first = t == 0;
            float[] hp = first ? h0 : out;
            int hpo = first ? h0o + i0 * hidden : ((t - 1) * n + i0) * s, ldh = first ? hidden : s;
            float[] cp = first ? c0 : out;
            int cpo = first ? c0o + i0 * hidden : ((t - 1) * n + i0) * s + hidden, ldc = first ? hidden : s;
            switch (cell) {
                case RNN_TANH -> rnnCellsBackward(m, hidden, dh, gOut, o0, gates, g0, dg);
                case LSTM -> lstmCellsBackward(m, hidden, dh, dc, gOut, o0, gates, g0, out, cp, cpo, ldc, dg);
                case GRU -> gruCellsBackward(m, hidden, dh, direct, gOut, o0, gates, g0, hp, hpo, ldh, hn, (t * n + i0) * hidden,
                        dg, dgh);
            }
            // dL/dh_{t−1} through the recurrent product (and, for the GRU, the z ⊙ h_{t−1} path).
            if (!first || dh0 != null || dx != null) {
                product(m, dgh, g0, gh, whhP, false, gh, wide, wb, wbo, ldwb, 0f, prod, 0, wide);
                if (dx != null) {
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(prod, i * wide, dh, i * hidden, hidden);
                        System.arraycopy(prod, i * wide + hidden, dx, (t * n + i0 + i) * in, in);
                    }
                }
                if (direct != null) {
                    for (int k = 0; k < m * hidden; k++) {
                        dh[k] += direct[k];
                    }
                }
            }
        }
        if (dh0 != null) {
            System.arraycopy(dh, 0, dh0, i0 * hidden, m * hidden);
        }
        if (dc0 != null) {
            System.arraycopy(dc, 0, dc0, i0 * hidden, m * hidden);
        }
    }

    /**
     * dWᵀ [cols, G·H] = Xᵀ dG (+ beta dWᵀ) over {@code rows} rows: X [rows, cols] at xo (row stride
     * ldx), dG [rows, G·H] at go (row stride ldg). As Xᵀ dG rather than dGᵀ X, the product packs
     * the narrow Xᵀ, not the wide dGᵀ (a transposed gather of every gate gradient), and reads dG in
     * place, {@link #TRANSPOSED_ROWS} rows of the result at a time; the same sums in the same order.
     */
    private static void weightGradientT(int cols, int rows, float[] dg, int go, int ldg, float[] x, int xo, int ldx, float beta,
                                        float[] t) {
        for (int r0 = 0; r0 < cols; r0 += TRANSPOSED_ROWS) {
            int m = Math.min(TRANSPOSED_ROWS, cols - r0);
            Gemm.sgemm(true, false, m, ldg, rows, 1f, x, xo + r0, ldx, dg, go, ldg, beta, t, r0 * ldg, ldg);
        }
    }

    /** w [cols, rows] = tᵀ for t [rows, cols]. */
    private static void transposeInto(float[] t, int rows, int cols, float[] w) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[c * rows + r] = t[r * cols + c];
            }
        }
    }

    /** The tanh RNN at one step for {@code rows} batch rows: h = tanh(gates[g0 + i·H + j]) into gates (kept for backward) and out[o0 + i·H + j]. */
    static void rnnCells(int rows, int hidden, float[] gates, int g0, float[] out, int o0) {
        if (Simd.AVAILABLE) {
            RecurrentVector.rnnCells(rows, hidden, gates, g0, out, o0);
            return;
        }
        for (int i = 0; i < rows; i++) {
            rnnCellLoops(0, hidden, gates, g0 + i * hidden, out, o0 + i * hidden);
        }
    }

    /** One row of {@link #rnnCells}, scalar, from column {@code from} on. */
    static void rnnCellLoops(int from, int hidden, float[] gates, int gi, float[] out, int oi) {
        for (int j = from; j < hidden; j++) {
            float h = Activations.tanh(gates[gi + j]);
            gates[gi + j] = h;
            out[oi + j] = h;
        }
    }

    /**
     * The LSTM cell at one step for {@code rows} batch rows, row i's gates at g0 + i·4H: there
     * the pre-activations [i f g o] (H each), replaced by their activations; c_{t−1} at
     * cp[cpo + i·ldc + j] (cp null: zeros); h_t to out[o0 + i·2H + j] and c_t to out[o0 + i·2H + H + j].
     */
    static void lstmCells(int rows, int hidden, float[] gates, int g0, float[] cp, int cpo, int ldc, float[] out, int o0) {
        if (Simd.AVAILABLE) {
            RecurrentVector.lstmCells(rows, hidden, gates, g0, cp, cpo, ldc, out, o0);
            return;
        }
        for (int i = 0; i < rows; i++) {
            lstmCellLoops(0, hidden, gates, g0 + i * 4 * hidden, cp, cpo + i * ldc, out, o0 + i * 2 * hidden);
        }
    }

    /** One row of {@link #lstmCells}, scalar, from column {@code from} on: gates at gi, c_{t−1} at ci, out at oi. */
    static void lstmCellLoops(int from, int hidden, float[] gates, int gi, float[] cp, int ci, float[] out, int oi) {
        for (int j = from; j < hidden; j++) {
            float ig = sigmoid(gates[gi + j]);
            float fg = sigmoid(gates[gi + hidden + j]);
            float gg = Activations.tanh(gates[gi + 2 * hidden + j]);
            float og = sigmoid(gates[gi + 3 * hidden + j]);
            float prev = cp == null ? 0f : cp[ci + j];
            float c = fg * prev + ig * gg;
            gates[gi + j] = ig;
            gates[gi + hidden + j] = fg;
            gates[gi + 2 * hidden + j] = gg;
            gates[gi + 3 * hidden + j] = og;
            out[oi + j] = og * Activations.tanh(c);
            out[oi + hidden + j] = c;
        }
    }

    /**
     * The GRU cell at one step for {@code rows} batch rows, row i's gates at g0 + i·3H: there the
     * input parts [r z n] (H each, the r and z biases added), replaced by the activations r, z, n;
     * hh[i·3H ..] the recurrent product W_hh h_{t−1} [r z n]; b_hn at bhh[bi + j] (bhh null: none);
     * h_{t−1} at hp[hpo + i·ldh + j] (hp null: zeros). Writes W_hn h_{t−1} + b_hn to
     * hn[n0 + i·H + j] (r multiplies it) and h_t to out[o0 + i·H + j].
     */
    static void gruCells(int rows, int hidden, float[] gates, int g0, float[] hh, float[] bhh, int bi, float[] hp, int hpo, int ldh,
                         float[] hn, int n0, float[] out, int o0) {
        if (Simd.AVAILABLE) {
            RecurrentVector.gruCells(rows, hidden, gates, g0, hh, bhh, bi, hp, hpo, ldh, hn, n0, out, o0);
            return;
        }
        for (int i = 0; i < rows; i++) {
            gruCellLoops(0, hidden, gates, g0 + i * 3 * hidden, hh, i * 3 * hidden, bhh, bi, hp, hpo + i * ldh, hn, n0 + i * hidden,
                    out, o0 + i * hidden);
        }
    }

    /** One row of {@link #gruCells}, scalar, from column {@code from} on: gates at gi, hh at hi, h_{t−1} at pi, hn at ni, out at oi. */
    static void gruCellLoops(int from, int hidden, float[] gates, int gi, float[] hh, int hi, float[] bhh, int bi, float[] hp,
                             int pi, float[] hn, int ni, float[] out, int oi) {
        for (int j = from; j < hidden; j++) {
            float r = sigmoid(gates[gi + j] + hh[hi + j]);
            float z = sigmoid(gates[gi + hidden + j] + hh[hi + hidden + j]);
            float hnj = hh[hi + 2 * hidden + j] + (bhh == null ? 0f : bhh[bi + j]);
            float nj = Activations.tanh(gates[gi + 2 * hidden + j] + r * hnj);
            float prev = hp == null ? 0f : hp[pi + j];
            gates[gi + j] = r;
            gates[gi + hidden + j] = z;
            gates[gi + 2 * hidden + j] = nj;
            hn[ni + j] = hnj;
            out[oi + j] = (1f - z) * nj + z * prev;
        }
    }

    /**
     * The tanh RNN backward at one step for {@code rows} batch rows: dg = (dh + gOut) ⊙ (1 − h²),
     * h the activation kept in gates; row i's dh at i·H, its gOut at o0 + i·H, its gates and dg at g0 + i·H.
     */
    static void rnnCellsBackward(int rows, int hidden, float[] dh, float[] gOut, int o0, float[] gates, int g0, float[] dg) {
        if (Simd.AVAILABLE) {
            RecurrentVector.rnnCellsBackward(rows, hidden, dh, gOut, o0, gates, g0, dg);
            return;
        }
        for (int i = 0; i < rows; i++) {
            rnnCellBackwardLoops(0, hidden, dh, i * hidden, gOut, o0 + i * hidden, gates, g0 + i * hidden, dg);
        }
    }

    /** One row of {@link #rnnCellsBackward}, scalar, from column {@code from} on: dh at hi, gOut at oi, gates and dg at gi. */
    static void rnnCellBackwardLoops(int from, int hidden, float[] dh, int hi, float[] gOut, int oi, float[] gates, int gi,
                                     float[] dg) {
        for (int j = from; j < hidden; j++) {
            float dhj = dh[hi + j] + gOut[oi + j];
            float h = gates[gi + j];
            dg[gi + j] = dhj * (1f - h * h);
        }
    }

    /**
     * The LSTM backward at one step for {@code rows} batch rows: dh[i·H + j] (from the later step)
     * plus gOut[o0 + i·2H + j] is dL/dh_t, dc[i·H + j] plus gOut[o0 + i·2H + H + j] the later part
     * of dL/dc_t; writes the gate gradients before the nonlinearities to dg at g0 + i·4H and
     * dL/dc_{t−1} to dc[i·H + j]. gates, out and cp (c_{t−1} at cpo + i·ldc, null: zeros) are the forward's.
     */
    static void lstmCellsBackward(int rows, int hidden, float[] dh, float[] dc, float[] gOut, int o0, float[] gates, int g0,
                                  float[] out, float[] cp, int cpo, int ldc, float[] dg) {
        if (Simd.AVAILABLE) {
            RecurrentVector.lstmCellsBackward(rows, hidden, dh, dc, gOut, o0, gates, g0, out, cp, cpo, ldc, dg);
            return;
        }
        for (int i = 0; i < rows; i++) {
            lstmCellBackwardLoops(0, hidden, dh, dc, i * hidden, gOut, o0 + i * 2 * hidden, gates, g0 + i * 4 * hidden, out,
                    cp, cpo + i * ldc, dg);
        }
    }

    /** One row of {@link #lstmCellsBackward}, scalar, from column {@code from} on: dh and dc at hi, gOut and out at oi, gates and dg at gi, c_{t−1} at ci. */
    static void lstmCellBackwardLoops(int from, int hidden, float[] dh, float[] dc, int hi, float[] gOut, int oi, float[] gates,
                                      int gi, float[] out, float[] cp, int ci, float[] dg) {
        for (int j = from; j < hidden; j++) {
            float dhj = dh[hi + j] + gOut[oi + j];
            float ig = gates[gi + j], fg = gates[gi + hidden + j], gg = gates[gi + 2 * hidden + j];
            float og = gates[gi + 3 * hidden + j];
            float tc = Activations.tanh(out[oi + hidden + j]);
            float dcj = dc[hi + j] + gOut[oi + hidden + j] + dhj * og * (1f - tc * tc);
            float prev = cp == null ? 0f : cp[ci + j];
            dg[gi + j] = dcj * gg * ig * (1f - ig);
            dg[gi + hidden + j] = dcj * prev * fg * (1f - fg);
            dg[gi + 2 * hidden + j] = dcj * ig * (1f - gg * gg);
            dg[gi + 3 * hidden + j] = dhj * tc * og * (1f - og);
            dc[hi + j] = dcj * fg;
        }
    }

    /**
     * The GRU backward at one step for {@code rows} batch rows: dh[i·H + j] plus gOut[o0 + i·H + j]
     * is dL/dh_t; writes the gate gradients before the nonlinearities to dg at g0 + i·3H (input
     * side) and dgh (recurrent side), and dL/dh_t ⊙ z, the direct path to h_{t−1}, to
     * direct[i·H + j]. gates, hn (at n0 + i·H) and hp (h_{t−1} at hpo + i·ldh, null: zeros) are the forward's.
     */
    static void gruCellsBackward(int rows, int hidden, float[] dh, float[] direct, float[] gOut, int o0, float[] gates, int g0,
                                 float[] hp, int hpo, int ldh, float[] hn, int n0, float[] dg, float[] dgh) {
        if (Simd.AVAILABLE) {
            RecurrentVector.gruCellsBackward(rows, hidden, dh, direct, gOut, o0, gates, g0, hp, hpo, ldh, hn, n0, dg, dgh);
            return;
        }
        for (int i = 0; i < rows; i++) {
            gruCellBackwardLoops(0, hidden, dh, direct, i * hidden, gOut, o0 + i * hidden, gates, g0 + i * 3 * hidden, hp,
                    hpo + i * ldh, hn, n0 + i * hidden, dg, dgh);
        }
    }

    /** One row of {@link #gruCellsBackward}, scalar, from column {@code from} on: dh and direct at hi, gOut at oi, gates, dg and dgh at gi, h_{t−1} at pi, hn at ni. */
    static void gruCellBackwardLoops(int from, int hidden, float[] dh, float[] direct, int hi, float[] gOut, int oi, float[] gates,
                                     int gi, float[] hp, int pi, float[] hn, int ni, float[] dg, float[] dgh) {
        for (int j = from; j < hidden; j++) {
            float dhj = dh[hi + j] + gOut[oi + j];
            float r = gates[gi + j], z = gates[gi + hidden + j], nj = gates[gi + 2 * hidden + j];
            float prev = hp == null ? 0f : hp[pi + j];
            float dnPre = dhj * (1f - z) * (1f - nj * nj);
            float drPre = dnPre * hn[ni + j] * r * (1f - r);
            float dzPre = dhj * (prev - nj) * z * (1f - z);
            dg[gi + j] = drPre;
            dg[gi + hidden + j] = dzPre;
            dg[gi + 2 * hidden + j] = dnPre;
            dgh[gi + j] = drPre;
            dgh[gi + hidden + j] = dzPre;
            dgh[gi + 2 * hidden + j] = dnPre * r;
            direct[hi + j] = dhj * z;
        }
    }

    private static float sigmoid(float v) {
        return 1f / (1f + Activations.exp(-v));
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /**
     * The forward pass; see the class comment. Writes {@code out} [T, N, S], {@code gates}
     * [T, N, G·H] and, for the GRU, {@code hn} [T, N, H]; reads the rest. All arrays are
     * contiguous from offset 0 except the weights, biases and initial states (at their offsets).
     */
    public static void forward(Cell cell, int steps, int n, int in, int hidden, double[] x, double[] h0, int h0o,
                               double[] c0, int c0o, double[] wih, int wiho, double[] whh, int whho, double[] bih, int biho,
                               double[] bhh, int bhho, double[] out, double[] gates, double[] hn) {
        int gh = cell.gates * hidden, rows = steps * n;
        // The input half of every step's gates at once.
        Gemm.dgemm(false, true, rows, gh, in, 1d, x, 0, Math.max(in, 1), wih, wiho, Math.max(in, 1), 0d, gates, 0, gh);
        // W_hhᵀ [H, G·H], the B of every step's product, packed once for the whole window.
        Gemm.PackedB whhT = pack(true, hidden, gh, whh, whho, hidden);
        Parallel.forRange(rowBlocks(n), 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                forwardRows(cell, steps, n, hidden, b * ROW_BLOCK, Math.min(n, (b + 1) * ROW_BLOCK), h0, h0o, c0, c0o,
                        whh, whho, whhT, bih, biho, bhh, bhho, out, gates, hn);
            }
        });
    }

    /** {@link #forward}'s walk through the window for the batch rows [i0, i1), the input products done (not their biases). */
    private static void forwardRows(Cell cell, int steps, int n, int hidden, int i0, int i1, double[] h0, int h0o,
                                    double[] c0, int c0o, double[] whh, int whho, Gemm.PackedB whhT, double[] bih, int biho,
                                    double[] bhh, int bhho, double[] out, double[] gates, double[] hn) {
        int gh = cell.gates * hidden, s = cell.stateWidth(hidden), m = i1 - i0;
        double[] hh = cell == Cell.GRU ? new double[m * gh] : null;
        // The GRU adds b_hn inside r ⊙ (...), with the recurrent product: not with the other biases.
        int hb = cell == Cell.GRU ? 2 * hidden : gh;
        for (int t = 0; t < steps; t++) {
            int g0 = (t * n + i0) * gh, o0 = (t * n + i0) * s;
            boolean first = t == 0;
            double[] hp = first ? h0 : out;
            int hpo = first ? h0o + i0 * hidden : ((t - 1) * n + i0) * s, ldh = first ? hidden : s;
            double[] cp = first ? c0 : out;
            int cpo = first ? c0o + i0 * hidden : ((t - 1) * n + i0) * s + hidden, ldc = first ? hidden : s;
            // The biases on the input half, here on the block's thread rather than over the window
            // before the walk (one thread); axpy with a = 1: gates + b exactly, as the plain sum.
            for (int i = 0; i < m; i++) {
                if (bih != null) {
                    Activations.axpy(gh, 1d, bih, biho, gates, g0 + i * gh);
                }
                if (bhh != null) {
                    Activations.axpy(hb, 1d, bhh, bhho, gates, g0 + i * gh);
                }
            }
            if (cell == Cell.GRU) {
                if (hp != null) {
                    product(m, hp, hpo, ldh, whhT, true, hidden, gh, whh, whho, hidden, 0d, hh, 0, gh);
                } else {
                    java.util.Arrays.fill(hh, 0d);
                }
            } else if (hp != null) {
                product(m, hp, hpo, ldh, whhT, true, hidden, gh, whh, whho, hidden, 1d, gates, g0, gh);
            }
            switch (cell) {
                case RNN_TANH -> rnnCells(m, hidden, gates, g0, out, o0);
                case LSTM -> lstmCells(m, hidden, gates, g0, cp, cpo, ldc, out, o0);
                case GRU -> gruCells(m, hidden, gates, g0, hh, bhh, bhho + 2 * hidden, hp, hpo, ldh, hn, (t * n + i0) * hidden, out, o0);
            }
        }
    }

    /**
     * Backpropagation through time; see the class comment. {@code gOut} [T, N, S] is dL/d(out)
     * (contiguous from offset 0). Writes the gradients that are not null: dx [T, N, I], dh0 and
     * dc0 [N, H], dwih [G·H, I], dwhh [G·H, H], dbih and dbhh [G·H] (all from offset 0,
     * overwritten). The other arrays are those of {@link #forward}, only read.
     */
    public static void backward(Cell cell, int steps, int n, int in, int hidden, double[] x, double[] h0, int h0o,
                                double[] c0, int c0o, double[] wih, int wiho, double[] whh, int whho, double[] out,
                                double[] gates, double[] hn, double[] gOut, double[] dx, double[] dh0, double[] dc0,
                                double[] dwih, double[] dwhh, double[] dbih, double[] dbhh) {
        int gh = cell.gates * hidden, s = cell.stateWidth(hidden), rows = steps * n;
        // Gate gradients before the nonlinearities: dG for the input side, dGh for the recurrent
        // side (the same but for the GRU's n gate, whose recurrent part r multiplies).
        double[] dg = new double[rows * gh];
        double[] dgh = cell == Cell.GRU ? new double[rows * gh] : dg;
        // W_hh [G·H, H], the B of every step's dL/dh_{t−1} = dGh_t W_hh, packed once. For the tanh
        // RNN and the LSTM (dGh = dG) with W_ih's columns beside it, so that the same product gives
        // the step's rows of dx = dG W_ih: [dL/dh_{t−1} | dx_t] = dG_t [W_hh | W_ih], each dG_t
        // packed once for both (a GEMM of dx over the window packed all of dG again).
        boolean fused = dx != null && cell != Cell.GRU && in > 0;
        int wide = fused ? hidden + in : hidden;
        double[] wb = whh;
        int wbo = whho, ldwb = hidden;
        if (fused) {
            wb = new double[gh * wide];
            for (int r = 0; r < gh; r++) {
                System.arraycopy(whh, whho + r * hidden, wb, r * wide, hidden);
                System.arraycopy(wih, wiho + r * in, wb, r * wide + hidden, in);
            }
            wbo = 0;
            ldwb = wide;
        }
        double[] wbf = wb;
        int wbof = wbo, ldwbf = ldwb;
        Gemm.PackedB whhP = pack(false, gh, wide, wb, wbo, ldwb);
        Parallel.forRange(rowBlocks(n), 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                backwardRows(cell, steps, n, in, hidden, b * ROW_BLOCK, Math.min(n, (b + 1) * ROW_BLOCK), h0, h0o, c0, c0o,
                        wbf, wbof, ldwbf, whhP, fused ? dx : null, out, gates, hn, gOut, dh0, dc0, dg, dgh);
            }
        });
        if (dx != null && !fused) {
            Gemm.dgemm(false, false, rows, in, gh, 1d, dg, 0, gh, wih, wiho, Math.max(in, 1), 0d, dx, 0, Math.max(in, 1));
        }
        if (dwih != null) {
            double[] t = new double[in * gh];
            weightGradientT(in, rows, dg, 0, gh, x, 0, in, 0d, t);
            transposeInto(t, in, gh, dwih);
        }
        if (dwhh != null) {
            // Steps 1.. against h_0..h_{T−2} (rows of out, stride S), step 0 against h0.
            double[] t = new double[hidden * gh];
            weightGradientT(hidden, (steps - 1) * n, dgh, n * gh, gh, out, 0, s, 0d, t);
            if (h0 != null) {
                weightGradientT(hidden, n, dgh, 0, gh, h0, h0o, hidden, 1d, t);
            }
            transposeInto(t, hidden, gh, dwhh);
        }
        if (dbih != null) {
            columnSums(dg, rows, gh, dbih);
        }
        if (dbhh != null && dbih != null && dgh == dg) {
            // The tanh RNN's and the LSTM's two biases have one gradient.
            System.arraycopy(dbih, 0, dbhh, 0, gh);
        } else if (dbhh != null) {
            columnSums(dgh, rows, gh, dbhh);
        }
    }

    /**
     * {@link #backward}'s walk back through the window for the batch rows [i0, i1): their gate
     * gradients into dg and dgh, and their rows of dh0 and dc0 (where not null). The product's B
     * is wb [G·H, wide] at wbo (row stride ldwb), packed in whhP: W_hh, or, where dx is not null,
     * [W_hh | W_ih] (wide = H + I), whose last I columns are the rows of dx.
     */
    private static void backwardRows(Cell cell, int steps, int n, int in, int hidden, int i0, int i1, double[] h0, int h0o,
                                     double[] c0, int c0o, double[] wb, int wbo, int ldwb, Gemm.PackedB whhP, double[] dx, double[] out,
                                     double[] gates, double[] hn, double[] gOut, double[] dh0, double[] dc0, double[] dg, double[] dgh) {
        int gh = cell.gates * hidden, s = cell.stateWidth(hidden), m = i1 - i0, wide = dx == null ? hidden : hidden + in;
        double[] dh = new double[m * hidden];
        double[] prod = dx == null ? dh : new double[m * wide];
        double[] dc = cell == Cell.LSTM ? new double[m * hidden] : null;
        double[] direct = cell == Cell.GRU ? new double[m * hidden] : null;
        for (int t = steps - 1; t >= 0; t--) {
            int g0 = (t * n + i0) * gh, o0 = (t * n + i0) * s;
            boolean first = t == 0;
            double[] hp = first ? h0 : out;
            int hpo = first ? h0o + i0 * hidden : ((t - 1) * n + i0) * s, ldh = first ? hidden : s;
            double[] cp = first ? c0 : out;
            int cpo = first ? c0o + i0 * hidden : ((t - 1) * n + i0) * s + hidden, ldc = first ? hidden : s;
            switch (cell) {
                case RNN_TANH -> rnnCellsBackward(m, hidden, dh, gOut, o0, gates, g0, dg);
                case LSTM -> lstmCellsBackward(m, hidden, dh, dc, gOut, o0, gates, g0, out, cp, cpo, ldc, dg);
                case GRU -> gruCellsBackward(m, hidden, dh, direct, gOut, o0, gates, g0, hp, hpo, ldh, hn, (t * n + i0) * hidden,
                        dg, dgh);
            }
            // dL/dh_{t−1} through the recurrent product (and, for the GRU, the z ⊙ h_{t−1} path).
            if (!first || dh0 != null || dx != null) {
                product(m, dgh, g0, gh, whhP, false, gh, wide, wb, wbo, ldwb, 0d, prod, 0, wide);
                if (dx != null) {
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(prod, i * wide, dh, i * hidden, hidden);
                        System.arraycopy(prod, i * wide + hidden, dx, (t * n + i0 + i) * in, in);
                    }
                }
                if (direct != null) {
                    for (int k = 0; k < m * hidden; k++) {
                        dh[k] += direct[k];
                    }
                }
            }
        }
        if (dh0 != null) {
            System.arraycopy(dh, 0, dh0, i0 * hidden, m * hidden);
        }
        if (dc0 != null) {
            System.arraycopy(dc, 0, dc0, i0 * hidden, m * hidden);
        }
    }

    /**
     * dWᵀ [cols, G·H] = Xᵀ dG (+ beta dWᵀ) over {@code rows} rows: X [rows, cols] at xo (row stride
     * ldx), dG [rows, G·H] at go (row stride ldg). As Xᵀ dG rather than dGᵀ X, the product packs
     * the narrow Xᵀ, not the wide dGᵀ (a transposed gather of every gate gradient), and reads dG in
     * place, {@link #TRANSPOSED_ROWS} rows of the result at a time; the same sums in the same order.
     */
    private static void weightGradientT(int cols, int rows, double[] dg, int go, int ldg, double[] x, int xo, int ldx, double beta,
                                        double[] t) {
        for (int r0 = 0; r0 < cols; r0 += TRANSPOSED_ROWS) {
            int m = Math.min(TRANSPOSED_ROWS, cols - r0);
            Gemm.dgemm(true, false, m, ldg, rows, 1d, x, xo + r0, ldx, dg, go, ldg, beta, t, r0 * ldg, ldg);
        }
    }

    /** w [cols, rows] = tᵀ for t [rows, cols]. */
    private static void transposeInto(double[] t, int rows, int cols, double[] w) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[c * rows + r] = t[r * cols + c];
            }
        }
    }

    /** The tanh RNN at one step for {@code rows} batch rows: h = tanh(gates[g0 + i·H + j]) into gates (kept for backward) and out[o0 + i·H + j]. */
    static void rnnCells(int rows, int hidden, double[] gates, int g0, double[] out, int o0) {
        if (Simd.AVAILABLE) {
            RecurrentVector.rnnCells(rows, hidden, gates, g0, out, o0);
            return;
        }
        for (int i = 0; i < rows; i++) {
            rnnCellLoops(0, hidden, gates, g0 + i * hidden, out, o0 + i * hidden);
        }
    }

    /** One row of {@link #rnnCells}, scalar, from column {@code from} on. */
    static void rnnCellLoops(int from, int hidden, double[] gates, int gi, double[] out, int oi) {
        for (int j = from; j < hidden; j++) {
            double h = Activations.tanh(gates[gi + j]);
            gates[gi + j] = h;
            out[oi + j] = h;
        }
    }

    /**
     * The LSTM cell at one step for {@code rows} batch rows, row i's gates at g0 + i·4H: there
     * the pre-activations [i f g o] (H each), replaced by their activations; c_{t−1} at
     * cp[cpo + i·ldc + j] (cp null: zeros); h_t to out[o0 + i·2H + j] and c_t to out[o0 + i·2H + H + j].
     */
    static void lstmCells(int rows, int hidden, double[] gates, int g0, double[] cp, int cpo, int ldc, double[] out, int o0) {
        if (Simd.AVAILABLE) {
            RecurrentVector.lstmCells(rows, hidden, gates, g0, cp, cpo, ldc, out, o0);
            return;
        }
        for (int i = 0; i < rows; i++) {
            lstmCellLoops(0, hidden, gates, g0 + i * 4 * hidden, cp, cpo + i * ldc, out, o0 + i * 2 * hidden);
        }
    }

    /** One row of {@link #lstmCells}, scalar, from column {@code from} on: gates at gi, c_{t−1} at ci, out at oi. */
    static void lstmCellLoops(int from, int hidden, double[] gates, int gi, double[] cp, int ci, double[] out, int oi) {
        for (int j = from; j < hidden; j++) {
            double ig = sigmoid(gates[gi + j]);
            double fg = sigmoid(gates[gi + hidden + j]);
            double gg = Activations.tanh(gates[gi + 2 * hidden + j]);
            double og = sigmoid(gates[gi + 3 * hidden + j]);
            double prev = cp == null ? 0d : cp[ci + j];
            double c = fg * prev + ig * gg;
            gates[gi + j] = ig;
            gates[gi + hidden + j] = fg;
            gates[gi + 2 * hidden + j] = gg;
            gates[gi + 3 * hidden + j] = og;
            out[oi + j] = og * Activations.tanh(c);
            out[oi + hidden + j] = c;
        }
    }

    /**
     * The GRU cell at one step for {@code rows} batch rows, row i's gates at g0 + i·3H: there the
     * input parts [r z n] (H each, the r and z biases added), replaced by the activations r, z, n;
     * hh[i·3H ..] the recurrent product W_hh h_{t−1} [r z n]; b_hn at bhh[bi + j] (bhh null: none);
     * h_{t−1} at hp[hpo + i·ldh + j] (hp null: zeros). Writes W_hn h_{t−1} + b_hn to
     * hn[n0 + i·H + j] (r multiplies it) and h_t to out[o0 + i·H + j].
     */
    static void gruCells(int rows, int hidden, double[] gates, int g0, double[] hh, double[] bhh, int bi, double[] hp, int hpo, int ldh,
                         double[] hn, int n0, double[] out, int o0) {
        if (Simd.AVAILABLE) {
            RecurrentVector.gruCells(rows, hidden, gates, g0, hh, bhh, bi, hp, hpo, ldh, hn, n0, out, o0);
            return;
        }
        for (int i = 0; i < rows; i++) {
            gruCellLoops(0, hidden, gates, g0 + i * 3 * hidden, hh, i * 3 * hidden, bhh, bi, hp, hpo + i * ldh, hn, n0 + i * hidden,
                    out, o0 + i * hidden);
        }
    }

    /** One row of {@link #gruCells}, scalar, from column {@code from} on: gates at gi, hh at hi, h_{t−1} at pi, hn at ni, out at oi. */
    static void gruCellLoops(int from, int hidden, double[] gates, int gi, double[] hh, int hi, double[] bhh, int bi, double[] hp,
                             int pi, double[] hn, int ni, double[] out, int oi) {
        for (int j = from; j < hidden; j++) {
            double r = sigmoid(gates[gi + j] + hh[hi + j]);
            double z = sigmoid(gates[gi + hidden + j] + hh[hi + hidden + j]);
            double hnj = hh[hi + 2 * hidden + j] + (bhh == null ? 0d : bhh[bi + j]);
            double nj = Activations.tanh(gates[gi + 2 * hidden + j] + r * hnj);
            double prev = hp == null ? 0d : hp[pi + j];
            gates[gi + j] = r;
            gates[gi + hidden + j] = z;
            gates[gi + 2 * hidden + j] = nj;
            hn[ni + j] = hnj;
            out[oi + j] = (1d - z) * nj + z * prev;
        }
    }

    /**
     * The tanh RNN backward at one step for {@code rows} batch rows: dg = (dh + gOut) ⊙ (1 − h²),
     * h the activation kept in gates; row i's dh at i·H, its gOut at o0 + i·H, its gates and dg at g0 + i·H.
     */
    static void rnnCellsBackward(int rows, int hidden, double[] dh, double[] gOut, int o0, double[] gates, int g0, double[] dg) {
        if (Simd.AVAILABLE) {
            RecurrentVector.rnnCellsBackward(rows, hidden, dh, gOut, o0, gates, g0, dg);
            return;
        }
        for (int i = 0; i < rows; i++) {
            rnnCellBackwardLoops(0, hidden, dh, i * hidden, gOut, o0 + i * hidden, gates, g0 + i * hidden, dg);
        }
    }

    /** One row of {@link #rnnCellsBackward}, scalar, from column {@code from} on: dh at hi, gOut at oi, gates and dg at gi. */
    static void rnnCellBackwardLoops(int from, int hidden, double[] dh, int hi, double[] gOut, int oi, double[] gates, int gi,
                                     double[] dg) {
        for (int j = from; j < hidden; j++) {
            double dhj = dh[hi + j] + gOut[oi + j];
            double h = gates[gi + j];
            dg[gi + j] = dhj * (1d - h * h);
        }
    }

    /**
     * The LSTM backward at one step for {@code rows} batch rows: dh[i·H + j] (from the later step)
     * plus gOut[o0 + i·2H + j] is dL/dh_t, dc[i·H + j] plus gOut[o0 + i·2H + H + j] the later part
     * of dL/dc_t; writes the gate gradients before the nonlinearities to dg at g0 + i·4H and
     * dL/dc_{t−1} to dc[i·H + j]. gates, out and cp (c_{t−1} at cpo + i·ldc, null: zeros) are the forward's.
     */
    static void lstmCellsBackward(int rows, int hidden, double[] dh, double[] dc, double[] gOut, int o0, double[] gates, int g0,
                                  double[] out, double[] cp, int cpo, int ldc, double[] dg) {
        if (Simd.AVAILABLE) {
            RecurrentVector.lstmCellsBackward(rows, hidden, dh, dc, gOut, o0, gates, g0, out, cp, cpo, ldc, dg);
            return;
        }
        for (int i = 0; i < rows; i++) {
            lstmCellBackwardLoops(0, hidden, dh, dc, i * hidden, gOut, o0 + i * 2 * hidden, gates, g0 + i * 4 * hidden, out,
                    cp, cpo + i * ldc, dg);
        }
    }

    /** One row of {@link #lstmCellsBackward}, scalar, from column {@code from} on: dh and dc at hi, gOut and out at oi, gates and dg at gi, c_{t−1} at ci. */
    static void lstmCellBackwardLoops(int from, int hidden, double[] dh, double[] dc, int hi, double[] gOut, int oi, double[] gates,
                                      int gi, double[] out, double[] cp, int ci, double[] dg) {
        for (int j = from; j < hidden; j++) {
            double dhj = dh[hi + j] + gOut[oi + j];
            double ig = gates[gi + j], fg = gates[gi + hidden + j], gg = gates[gi + 2 * hidden + j];
            double og = gates[gi + 3 * hidden + j];
            double tc = Activations.tanh(out[oi + hidden + j]);
            double dcj = dc[hi + j] + gOut[oi + hidden + j] + dhj * og * (1d - tc * tc);
            double prev = cp == null ? 0d : cp[ci + j];
            dg[gi + j] = dcj * gg * ig * (1d - ig);
            dg[gi + hidden + j] = dcj * prev * fg * (1d - fg);
            dg[gi + 2 * hidden + j] = dcj * ig * (1d - gg * gg);
            dg[gi + 3 * hidden + j] = dhj * tc * og * (1d - og);
            dc[hi + j] = dcj * fg;
        }
    }

    /**
     * The GRU backward at one step for {@code rows} batch rows: dh[i·H + j] plus gOut[o0 + i·H + j]
     * is dL/dh_t; writes the gate gradients before the nonlinearities to dg at g0 + i·3H (input
     * side) and dgh (recurrent side), and dL/dh_t ⊙ z, the direct path to h_{t−1}, to
     * direct[i·H + j]. gates, hn (at n0 + i·H) and hp (h_{t−1} at hpo + i·ldh, null: zeros) are the forward's.
     */
    static void gruCellsBackward(int rows, int hidden, double[] dh, double[] direct, double[] gOut, int o0, double[] gates, int g0,
                                 double[] hp, int hpo, int ldh, double[] hn, int n0, double[] dg, double[] dgh) {
        if (Simd.AVAILABLE) {
            RecurrentVector.gruCellsBackward(rows, hidden, dh, direct, gOut, o0, gates, g0, hp, hpo, ldh, hn, n0, dg, dgh);
            return;
        }
        for (int i = 0; i < rows; i++) {
            gruCellBackwardLoops(0, hidden, dh, direct, i * hidden, gOut, o0 + i * hidden, gates, g0 + i * 3 * hidden, hp,
                    hpo + i * ldh, hn, n0 + i * hidden, dg, dgh);
        }
    }

    /** One row of {@link #gruCellsBackward}, scalar, from column {@code from} on: dh and direct at hi, gOut at oi, gates, dg and dgh at gi, h_{t−1} at pi, hn at ni. */
    static void gruCellBackwardLoops(int from, int hidden, double[] dh, double[] direct, int hi, double[] gOut, int oi, double[] gates,
                                     int gi, double[] hp, int pi, double[] hn, int ni, double[] dg, double[] dgh) {
        for (int j = from; j < hidden; j++) {
            double dhj = dh[hi + j] + gOut[oi + j];
            double r = gates[gi + j], z = gates[gi + hidden + j], nj = gates[gi + 2 * hidden + j];
            double prev = hp == null ? 0d : hp[pi + j];
            double dnPre = dhj * (1d - z) * (1d - nj * nj);
            double drPre = dnPre * hn[ni + j] * r * (1d - r);
            double dzPre = dhj * (prev - nj) * z * (1d - z);
            dg[gi + j] = drPre;
            dg[gi + hidden + j] = dzPre;
            dg[gi + 2 * hidden + j] = dnPre;
            dgh[gi + j] = drPre;
            dgh[gi + hidden + j] = dzPre;
            dgh[gi + 2 * hidden + j] = dnPre * r;
            direct[hi + j] = dhj * z;
        }
    }

    private static double sigmoid(double v) {
        return 1d / (1d + Activations.exp(-v));
    }
    // twin: end

    /**
     * Batch rows per block of the walk through the window: the blocks run on the pool's threads,
     * each through every step, so that the many small products of a step are not each split
     * over the threads. A fixed size, so the floats do not depend on the number of threads.
     */
    static final int ROW_BLOCK = 32;

    /**
     * Rows of Xᵀ dG per product in the weight gradients: at most this many, the packed GEMM reads
     * dG where it lies instead of packing it (FloatGemm's STREAM_B_ROWS).
     */
    private static final int TRANSPOSED_ROWS = 64;

    private static int rowBlocks(int n) {
        return (n + ROW_BLOCK - 1) / ROW_BLOCK;
    }

    /** op(W) [k, n] as B of many products, packed once (float32). */
    private static Gemm.PackedB pack(boolean transW, int k, int n, float[] w, int wOff, int ldw) {
        return Gemm.packB(transW, k, n, w, wOff, ldw);
    }

    /** Float64 has no packed B: {@link #product} reads W where it lies. */
    private static Gemm.PackedB pack(boolean transW, int k, int n, double[] w, int wOff, int ldw) {
        return null;
    }

    /** A step's product C = A op(W) + beta C, A [m, k], through W packed once (op(W) [k, n]; the other W arguments describe it as stored). */
    private static void product(int m, float[] a, int aOff, int lda, Gemm.PackedB packed, boolean transW, int k, int n,
                                float[] w, int wOff, int ldw, float beta, float[] c, int cOff, int ldc) {
        Gemm.sgemm(false, m, 1f, a, aOff, lda, packed, beta, c, cOff, ldc);
    }

    /** A step's product C = A op(W) + beta C in float64, W read where it lies ({@code packed} is null). */
    private static void product(int m, double[] a, int aOff, int lda, Gemm.PackedB packed, boolean transW, int k, int n,
                                double[] w, int wOff, int ldw, double beta, double[] c, int cOff, int ldc) {
        Gemm.dgemm(false, transW, m, n, k, 1d, a, aOff, lda, w, wOff, ldw, beta, c, cOff, ldc);
    }

    /** The column sums of a row-major [rows, cols] matrix into sums (whole vectors where the Vector API is on). */
    private static void columnSums(float[] a, int rows, int cols, float[] sums) {
        VectorMath.columnSums(a, 0, rows, cols, sums);
    }

    /** The column sums of a row-major [rows, cols] matrix into sums. */
    private static void columnSums(double[] a, int rows, int cols, double[] sums) {
        java.util.Arrays.fill(sums, 0, cols, 0d);
        for (int r = 0; r < rows; r++) {
            for (int j = 0, at = r * cols; j < cols; j++) {
                sums[j] += a[at + j];
            }
        }
    }
}
