package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * An input matrix of a GEMM as its caller stores it (element type, offset, leading dimension,
 * transposed or not), and the packing of its blocks into the panel layouts {@link MicroKernel}
 * reads. Packing makes every panel contiguous and in the order the kernel walks it, whatever the
 * caller's layout, and widens the stored elements to float; rows or columns past the matrix's
 * edge are packed as zeros, so edge tiles run the same kernel.
 *
 * <p>A block of op(A) rows [i0, i0+mc) x columns [p0, p0+kc) becomes ceil(mc/MR) panels of
 * MR rows of kc floats, element (i, p) of a panel at i*kc + p: the layout of A's own rows, so
 * unscaled float rows of A need no packing at all ({@link #rowsInPlace}). A block of op(B) rows
 * [p0, p0+kc) x columns [j0, j0+nc) becomes ceil(nc/NR) panels of kc*NR floats, element (p, j)
 * at p*NR + j.
 *
 * <p>The panel walk is shared; each storage type supplies the three copy loops it is made of.
 */
abstract sealed class GemmOperand permits F32Operand, Bf16Operand {

    private static final int L_FLOATS = MicroKernel.SPECIES.length();

    // The in-register reduction of dots4x4 (16-lane vectors only): in stage d, UPPER_d marks the
    // upper half of each group of 2d lanes and SWAP_d exchanges the two halves of each group.
    private static final VectorMask<Float> UPPER_8 = upperHalves(8);
    private static final VectorMask<Float> UPPER_4 = upperHalves(4);
    private static final VectorMask<Float> UPPER_2 = upperHalves(2);
    private static final VectorMask<Float> UPPER_1 = upperHalves(1);
    private static final VectorShuffle<Float> SWAP_8 = swapHalves(8);
    private static final VectorShuffle<Float> SWAP_4 = swapHalves(4);
    private static final VectorShuffle<Float> SWAP_2 = swapHalves(2);
    private static final VectorShuffle<Float> SWAP_1 = swapHalves(1);
    /** Where the reduction leaves output o = 4 i + j of a tile. */
    private static final int[] LANE_OF_OUTPUT = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

    private final int offset;
    private final int ld;
    private final boolean transposed;

    GemmOperand(int offset, int ld, boolean transposed) {
        this.offset = offset;
        this.ld = ld;
        this.transposed = transposed;
    }

    /** Where element (0, 0) of the (first) matrix is. */
    final int offset() {
        return offset;
    }

    /** The distance between consecutive stored rows. */
    final int ld() {
        return ld;
    }

    /** Whether the stored matrix is the transpose of the operand. */
    final boolean transposed() {
        return transposed;
    }

    /** Elements in the backing array. */
    abstract int length();

    /**
     * Packs alpha * (rows [i0, i0+mc) x columns [p0, p0+kc)) of this operand as op(A), the
     * matrix at {@code at}, panel by panel, zero rows below the edge. Scaling while copying costs
     * nothing and keeps the kernel lean.
     */
    final void packA(float alpha, int at, int i0, int p0, int mc, int kc, float[] dst) {
        for (int ir = 0, panel = 0; ir < mc; ir += MR, panel += kc * MR) {
            int rows = Math.min(MR, mc - ir);
            if (transposed) {
                // Stored row p holds column p of the panel: a few floats read, one per row written.
                copyAlong(alpha, at + p0 * ld + i0 + ir, kc, rows, kc, dst, panel);
            } else {
                copyAcross(alpha, at + (i0 + ir) * ld + p0, kc, rows, kc, dst, panel);
            }
            Arrays.fill(dst, panel + rows * kc, panel + MR * kc, 0f);
        }
    }

    /**
     * The array holding op(A)'s rows, ld apart from {@link #offset}, when the micro-kernel can
     * read them in place instead of a packed copy: float32, not transposed. Null otherwise.
     */
    abstract float[] rowsInPlace();

    /** Packs rows [p0, p0+kc) x columns [j0, j0+nc) of this operand as op(B), the matrix at {@code at}. */
    final void packB(int at, int p0, int j0, int kc, int nc, float[] dst) {
        for (int jr = 0, panel = 0; jr < nc; jr += NR, panel += kc * NR) {
            int cols = Math.min(NR, nc - jr);
            if (transposed) {
                copyAlong(1f, at + (j0 + jr) * ld + p0, cols, kc, NR, dst, panel);
            } else if (cols == NR) {
                copyAcrossFullPanel(at + p0 * ld + j0 + jr, kc, dst, panel);
            } else {
                copyAcross(1f, at + p0 * ld + j0 + jr, cols, kc, NR, dst, panel);
            }
        }
    }

    /**
     * alpha * rows [0, m) x columns [0, k) of this operand as op(A), the matrix at {@code at}, as
     * one dense row-major array: the few rows {@link Gemv} dots with every weight row.
     */
    final float[] rowsTimes(float alpha, int at, int m, int k) {
        float[] rows = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                rows[i * k + p] = alpha * valueAt(transposed ? at + p * ld + i : at + i * ld + p);
            }
        }
        return rows;
    }

    /** The stored element at {@code index}, as a float. */
    abstract float valueAt(int index);

    /**
     * a[aAt, aAt+k) . the stored row at {@code at}: four sums side by side over consecutive
     * vectors, so the row is read front to back, one stream the prefetcher follows.
     */
    abstract float dot(float[] a, int aAt, int at, int k);

    /**
     * The sixteen dots of four rows of a ({@code lda} apart from {@code aAt}) with the four
     * stored rows at {@code at}, {@code at + ld}, ..., into out[4 * i + j]: each output one
     * vector sum over k, its lanes added in a fixed tree, then the scalar tail, the order of
     * {@link #dotOneSum}. Each vector of a and of the weight is loaded once for four products.
     */
    final void dots4x4(float[] a, int aAt, int lda, int at, int ld, int k, float[] out) {
        int a1 = aAt + lda, a2 = a1 + lda, a3 = a2 + lda;
        int w1 = at + ld, w2 = w1 + ld, w3 = w2 + ld;
        FloatVector z = FloatVector.zero(MicroKernel.SPECIES);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        int p = 0;
        for (; p + L_FLOATS <= k; p += L_FLOATS) {
            FloatVector x0 = FloatVector.fromArray(MicroKernel.SPECIES, a, aAt + p);
            FloatVector x1 = FloatVector.fromArray(MicroKernel.SPECIES, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(MicroKernel.SPECIES, a, a2 + p);
            FloatVector x3 = FloatVector.fromArray(MicroKernel.SPECIES, a, a3 + p);
            FloatVector w = vectorAt(at + p);
            c00 = x0.fma(w, c00);
            c10 = x1.fma(w, c10);
            c20 = x2.fma(w, c20);
            c30 = x3.fma(w, c30);
            w = vectorAt(w1 + p);
            c01 = x0.fma(w, c01);
            c11 = x1.fma(w, c11);
            c21 = x2.fma(w, c21);
            c31 = x3.fma(w, c31);
            w = vectorAt(w2 + p);
            c02 = x0.fma(w, c02);
            c12 = x1.fma(w, c12);
            c22 = x2.fma(w, c22);
            c32 = x3.fma(w, c32);
            w = vectorAt(w3 + p);
            c03 = x0.fma(w, c03);
            c13 = x1.fma(w, c13);
            c23 = x2.fma(w, c23);
            c33 = x3.fma(w, c33);
        }
        if (L_FLOATS == 16) {
            // The sixteen lane sums in registers: four stages fold each pair of vectors by 8, 4,
            // 2 and 1 lanes, the pairs' halves side by side, so lane l ends with the whole sum
            // of one accumulator, added in the order of Lanes.sum (its folds, by the same
            // distances): the bits of dotOneSum's.
            FloatVector f8_0 = c00.blend(c01, UPPER_8).add(c01.blend(c00, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_1 = c02.blend(c03, UPPER_8).add(c03.blend(c02, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_2 = c10.blend(c11, UPPER_8).add(c11.blend(c10, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_3 = c12.blend(c13, UPPER_8).add(c13.blend(c12, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_4 = c20.blend(c21, UPPER_8).add(c21.blend(c20, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_5 = c22.blend(c23, UPPER_8).add(c23.blend(c22, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_6 = c30.blend(c31, UPPER_8).add(c31.blend(c30, UPPER_8).rearrange(SWAP_8));
            FloatVector f8_7 = c32.blend(c33, UPPER_8).add(c33.blend(c32, UPPER_8).rearrange(SWAP_8));
            FloatVector f4_0 = f8_0.blend(f8_1, UPPER_4).add(f8_1.blend(f8_0, UPPER_4).rearrange(SWAP_4));
            FloatVector f4_1 = f8_2.blend(f8_3, UPPER_4).add(f8_3.blend(f8_2, UPPER_4).rearrange(SWAP_4));
            FloatVector f4_2 = f8_4.blend(f8_5, UPPER_4).add(f8_5.blend(f8_4, UPPER_4).rearrange(SWAP_4));
            FloatVector f4_3 = f8_6.blend(f8_7, UPPER_4).add(f8_7.blend(f8_6, UPPER_4).rearrange(SWAP_4));
            FloatVector f2_0 = f4_0.blend(f4_1, UPPER_2).add(f4_1.blend(f4_0, UPPER_2).rearrange(SWAP_2));
            FloatVector f2_1 = f4_2.blend(f4_3, UPPER_2).add(f4_3.blend(f4_2, UPPER_2).rearrange(SWAP_2));
            FloatVector f1_0 = f2_0.blend(f2_1, UPPER_1).add(f2_1.blend(f2_0, UPPER_1).rearrange(SWAP_1));
            f1_0.intoArray(out, 16); // beside the 16 outputs: out holds 16 vectors' floats
            for (int o = 0; o < 16; o++) {
                out[o] = oneSumTail(a, aAt + (o / 4) * lda, at + (o % 4) * ld, p, k, out[16 + LANE_OF_OUTPUT[o]]);
            }
            return;
        }
        c00.intoArray(out, 0 * L_FLOATS);
        c01.intoArray(out, 1 * L_FLOATS);
        c02.intoArray(out, 2 * L_FLOATS);
        c03.intoArray(out, 3 * L_FLOATS);
        c10.intoArray(out, 4 * L_FLOATS);
        c11.intoArray(out, 5 * L_FLOATS);
        c12.intoArray(out, 6 * L_FLOATS);
        c13.intoArray(out, 7 * L_FLOATS);
        c20.intoArray(out, 8 * L_FLOATS);
        c21.intoArray(out, 9 * L_FLOATS);
        c22.intoArray(out, 10 * L_FLOATS);
        c23.intoArray(out, 11 * L_FLOATS);
        c30.intoArray(out, 12 * L_FLOATS);
        c31.intoArray(out, 13 * L_FLOATS);
        c32.intoArray(out, 14 * L_FLOATS);
        c33.intoArray(out, 15 * L_FLOATS);
        // Lanes summed from memory: sixteen vectors passed to a helper could be boxed.
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                int o = 4 * i + j;
                out[o] = oneSumTail(a, aAt + i * lda, at + j * ld, p, k, laneTreeSum(out, o * L_FLOATS));
            }
        }
    }

    /** a[aAt, aAt+k) . the stored row at {@code at}, summed as each output of {@link #dots4x4}. */
    final float dotOneSum(float[] a, int aAt, int at, int k) {
        FloatVector sum = FloatVector.zero(MicroKernel.SPECIES);
        int p = 0;
        for (; p + L_FLOATS <= k; p += L_FLOATS) {
            sum = FloatVector.fromArray(MicroKernel.SPECIES, a, aAt + p).fma(vectorAt(at + p), sum);
        }
        return oneSumTail(a, aAt, at, p, k, sumOfLanes(sum));
    }

    /** d plus a[aAt + p..k) times the stored row's, one product at a time. */
    private float oneSumTail(float[] a, int aAt, int at, int p, int k, float d) {
        for (; p < k; p++) {
            d = Math.fma(a[aAt + p], valueAt(at + p), d);
        }
        return d;
    }

    /** The L stored values from {@code at} as floats (widened when stored narrower). */
    abstract FloatVector vectorAt(int at);

    /**
     * The L floats at {@code at} added in the tree of {@link Lanes#sum} (lane i with lane i + half,
     * halves down to one), so a sum read back from memory equals the one folded in registers.
     * The floats are overwritten.
     */
    private static float laneTreeSum(float[] lanes, int at) {
        for (int half = L_FLOATS / 2; half >= 1; half /= 2) {
            for (int i = at; i < at + half; i++) {
                lanes[i] += lanes[i + half];
            }
        }
        return lanes[at];
    }

    private static VectorMask<Float> upperHalves(int d) {
        boolean[] upper = new boolean[MicroKernel.SPECIES.length()];
        for (int l = 0; l < upper.length; l++) {
            upper[l] = l % (2 * d) >= d;
        }
        return VectorMask.fromArray(MicroKernel.SPECIES, upper, 0);
    }

    private static VectorShuffle<Float> swapHalves(int d) {
        int[] from = new int[MicroKernel.SPECIES.length()];
        for (int l = 0; l < from.length; l++) {
            from[l] = l - l % (2 * d) + (l % (2 * d) + d) % (2 * d);
        }
        return VectorShuffle.fromArray(MicroKernel.SPECIES, from, 0);
    }

    /** The sum of v's lanes in a fixed order (see {@link Lanes}). */
    static float sumOfLanes(FloatVector v) {
        return Lanes.sum(v);
    }

    /**
     * Stored lines (rows of A transposed, rows of B transposed), {@code lines} of them ld apart
     * from {@code at}, each spread across the destination: element p of line l goes to
     * {@code dst[to + l + p * width]}, a transposing copy; lanes past {@code lines} are zero.
     */
    abstract void copyAlong(float scale, int at, int lines, int kc, int width, float[] dst, int to);

    /**
     * Stored lines copied as they are (rows of A, rows of B): {@code kc} of them ld apart from
     * {@code at}, {@code count} consecutive elements each, into destination rows {@code width}
     * apart; elements past {@code count} are zero.
     */
    abstract void copyAcross(float scale, int at, int count, int kc, int width, float[] dst, int to);

    /** {@link #copyAcross} for all NR lanes of a B panel, the common case, in vectors. */
    abstract void copyAcrossFullPanel(int at, int kc, float[] dst, int to);
}
