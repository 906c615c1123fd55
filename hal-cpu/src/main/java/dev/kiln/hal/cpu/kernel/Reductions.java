package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions: sum, mean and max over the last dimension of an [*, n] matrix (one result per row),
 * sums over rows into partial buffers, the fixed-order combination of partials from several
 * ranges, and a sum of squares over an element range (for global gradient norms).
 *
 * <p>Within a row or a range, the summation order depends only on the length, never on the thread
 * or the split: per-row results are bit-identical however the rows are split. Sums over rows are
 * made deterministic by the caller's fixed split and {@link #accumulatePartials}.
 */
public final class Reductions {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /**
     * Elements per float block of {@link #sumOfSquares}: short enough that float accumulation in
     * vector lanes stays accurate, long enough that adding each block into a double costs nothing.
     */
    private static final int SQUARES_BLOCK = 1024;

    private Reductions() {}

    /** out[r] = sum_j x[r, j] for rows [rowFrom, rowTo). */
    public static void sumLastDim(float[] x, int xOff, float[] out, int outOff, int n, int rowFrom, int rowTo) {
        checkRows("sumLastDim", x, xOff, out, outOff, n, rowFrom, rowTo);
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOff + r] = sumOfSpan(x, xOff + r * n, n);
        }
    }

    /** out[r] = mean_j x[r, j] for rows [rowFrom, rowTo). */
    public static void meanLastDim(float[] x, int xOff, float[] out, int outOff, int n, int rowFrom, int rowTo) {
        checkRows("meanLastDim", x, xOff, out, outOff, n, rowFrom, rowTo);
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOff + r] = sumOfSpan(x, xOff + r * n, n) / n;
        }
    }

    /** out[r] = max_j x[r, j] for rows [rowFrom, rowTo); a NaN in the row makes the result NaN. */
    public static void maxLastDim(float[] x, int xOff, float[] out, int outOff, int n, int rowFrom, int rowTo) {
        checkRows("maxLastDim", x, xOff, out, outOff, n, rowFrom, rowTo);
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOff + r] = maxOfSpan(x, xOff + r * n, n);
        }
    }

    /**
     * partial[j] += sum over rows [rowFrom, rowTo) of x[r, j], for j in [0, n): the column sums of a
     * row range, e.g. one thread's share of a bias gradient.
     */
    public static void sumRowsInto(float[] x, int xOff, float[] partial, int partialOff, int n,
                                   int rowFrom, int rowTo) {
        String op = "sumRowsInto";
        ArgChecks.positive(op, "n", n);
        ArgChecks.range(op, "row", rowFrom, rowTo);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.span(op, "partial", partial, partialOff, n);
        for (int r = rowFrom; r < rowTo; r++) {
            Elementwise.add(partial, partialOff, x, xOff + r * n, partial, partialOff, 0, n);
        }
    }

    /**
     * out[j] += partials[0][j] + partials[1][j] + ... in that order, for columns j in [from, to);
     * partial p is the n floats at {@code partialsOff + p * n}. Summing in a fixed order makes the
     * result independent of which thread finished first.
     */
    public static void accumulatePartials(float[] partials, int partialsOff, int parts, int n,
                                          float[] out, int outOff, int from, int to) {
        String op = "accumulatePartials";
        ArgChecks.positive(op, "n", n);
        if (parts < 0) {
            throw ArgChecks.fail(op, "parts must not be negative, was " + parts);
        }
        ArgChecks.range(op, "column", from, to);
        if (to > n) {
            throw ArgChecks.fail(op, "column range [" + from + ", " + to + ") exceeds n = " + n);
        }
        ArgChecks.rows(op, "partials", partials, partialsOff, parts, n);
        ArgChecks.span(op, "out", out, outOff, n);
        for (int p = 0; p < parts; p++) {
            Elementwise.add(out, outOff, partials, partialsOff + p * n, out, outOff, from, to);
        }
    }

    /** sum_i x[i]^2 for i in [from, to), in float blocks added into a double. */
    public static double sumOfSquares(float[] x, int xOff, int from, int to) {
        ArgChecks.range("sumOfSquares", "element", from, to);
        ArgChecks.span("sumOfSquares", "x", x, xOff, to);
        double total = 0.0;
        for (int block = from; block < to; block += SQUARES_BLOCK) {
            int end = Math.min(to, block + SQUARES_BLOCK);
            FloatVector acc = FloatVector.zero(F);
            int i = block;
            for (int bound = block + F.loopBound(end - block); i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xOff + i);
                acc = v.fma(v, acc);
            }
            if (i < end) {
                FloatVector v = FloatVector.fromArray(F, x, xOff + i, F.indexInRange(i, end));
                acc = v.fma(v, acc);
            }
            total += Lanes.sum(acc);
        }
        return total;
    }

    /** values[off] + values[off + 1] + ... in index order: the fixed-order sum of per-range partials. */
    public static double sumInOrder(double[] values, int off, int count) {
        if (values == null || off < 0 || count < 0 || (long) off + count > values.length) {
            throw ArgChecks.fail("sumInOrder", "needs " + count + " values from offset " + off + ", but the array "
                    + (values == null ? "is null" : "holds " + values.length));
        }
        double total = 0.0;
        for (int i = 0; i < count; i++) {
            total += values[off + i];
        }
        return total;
    }

    /** The sum of n floats from {@code at}, in vector lanes. */
    static float sumOfSpan(float[] x, int at, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            acc = acc.add(FloatVector.fromArray(F, x, at + j));
        }
        if (j < n) {
            acc = acc.add(FloatVector.fromArray(F, x, at + j, F.indexInRange(j, n)));
        }
        return Lanes.sum(acc);
    }

    /**
     * The max of n floats from {@code at}; NaN wins. Four independent maxima: a float max with
     * Java's NaN and signed-zero rules is a chain of several instructions, so a single running max
     * would wait on itself.
     */
    static float maxOfSpan(float[] x, int at, int n) {
        FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0, m2 = m0, m3 = m0;
        int j = 0;
        for (int bound = n - 4 * L; j <= bound; j += 4 * L) {
            m0 = m0.max(FloatVector.fromArray(F, x, at + j));
            m1 = m1.max(FloatVector.fromArray(F, x, at + j + L));
            m2 = m2.max(FloatVector.fromArray(F, x, at + j + 2 * L));
            m3 = m3.max(FloatVector.fromArray(F, x, at + j + 3 * L));
        }
        for (; j < n; j += L) {
            VectorMask<Float> m = F.indexInRange(j, n);
            m0 = m0.lanewise(VectorOperators.MAX, FloatVector.fromArray(F, x, at + j, m), m);
        }
        return m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
    }

    private static void checkRows(String op, float[] x, int xOff, float[] out, int outOff, int n,
                                  int rowFrom, int rowTo) {
        ArgChecks.positive(op, "n", n);
        ArgChecks.range(op, "row", rowFrom, rowTo);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.span(op, "out", out, outOff, rowTo);
    }
}
