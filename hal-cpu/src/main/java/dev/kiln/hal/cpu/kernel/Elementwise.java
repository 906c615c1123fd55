package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise arithmetic on float arrays, plain and with one row broadcast over every row of a
 * matrix ({@code x[rows, n] op y[n]}).
 *
 * <p>Element ranges [from, to) count from each array's offset, so a caller splits one tensor over
 * threads by splitting the range. An output may alias an input at the same offset. Each element is
 * computed the same way in the vector loop and in the tail, so any split gives identical bits.
 */
public final class Elementwise {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private Elementwise() {}

    private enum Op { ADD, SUB, MUL, DIV }

    /** out[i] = a[i] + b[i] for i in [from, to). */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int from, int to) {
        binary("add", Op.ADD, a, aOff, b, bOff, out, outOff, from, to);
    }

    /** out[i] = a[i] - b[i] for i in [from, to). */
    public static void sub(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int from, int to) {
        binary("sub", Op.SUB, a, aOff, b, bOff, out, outOff, from, to);
    }

    /** out[i] = a[i] * b[i] for i in [from, to). */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int from, int to) {
        binary("mul", Op.MUL, a, aOff, b, bOff, out, outOff, from, to);
    }

    /** out[i] = a[i] / b[i] for i in [from, to) (a true division, correctly rounded). */
    public static void div(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int from, int to) {
        binary("div", Op.DIV, a, aOff, b, bOff, out, outOff, from, to);
    }

    /** out[i] = alpha * x[i] for i in [from, to). */
    public static void scale(float[] x, int xOff, float alpha, float[] out, int outOff, int from, int to) {
        ArgChecks.range("scale", "element", from, to);
        ArgChecks.span("scale", "x", x, xOff, to);
        ArgChecks.span("scale", "out", out, outOff, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(alpha).intoArray(out, outOff + i);
        }
        for (; i < to; i++) {
            out[outOff + i] = alpha * x[xOff + i];
        }
    }

    /** y[i] += alpha * x[i] for i in [from, to) (BLAS axpy; one rounding for the product, one for the sum). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int from, int to) {
        ArgChecks.range("axpy", "element", from, to);
        ArgChecks.span("axpy", "x", x, xOff, to);
        ArgChecks.span("axpy", "y", y, yOff, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector.fromArray(F, y, yOff + i).add(xv.mul(alpha)).intoArray(y, yOff + i);
        }
        for (; i < to; i++) {
            y[yOff + i] = y[yOff + i] + alpha * x[xOff + i];
        }
    }

    /** out[r, j] = x[r, j] + row[j] for rows [rowFrom, rowTo) of an [*, n] matrix. */
    public static void addRow(float[] x, int xOff, float[] row, int rowOff, float[] out, int outOff,
                              int n, int rowFrom, int rowTo) {
        broadcastRow("addRow", Op.ADD, x, xOff, row, rowOff, out, outOff, n, rowFrom, rowTo);
    }

    /** out[r, j] = x[r, j] - row[j] for rows [rowFrom, rowTo) of an [*, n] matrix. */
    public static void subRow(float[] x, int xOff, float[] row, int rowOff, float[] out, int outOff,
                              int n, int rowFrom, int rowTo) {
        broadcastRow("subRow", Op.SUB, x, xOff, row, rowOff, out, outOff, n, rowFrom, rowTo);
    }

    /** out[r, j] = x[r, j] * row[j] for rows [rowFrom, rowTo) of an [*, n] matrix. */
    public static void mulRow(float[] x, int xOff, float[] row, int rowOff, float[] out, int outOff,
                              int n, int rowFrom, int rowTo) {
        broadcastRow("mulRow", Op.MUL, x, xOff, row, rowOff, out, outOff, n, rowFrom, rowTo);
    }

    /** out[r, j] = x[r, j] / row[j] for rows [rowFrom, rowTo) of an [*, n] matrix. */
    public static void divRow(float[] x, int xOff, float[] row, int rowOff, float[] out, int outOff,
                              int n, int rowFrom, int rowTo) {
        broadcastRow("divRow", Op.DIV, x, xOff, row, rowOff, out, outOff, n, rowFrom, rowTo);
    }

    private static void binary(String name, Op op, float[] a, int aOff, float[] b, int bOff,
                               float[] out, int outOff, int from, int to) {
        ArgChecks.range(name, "element", from, to);
        ArgChecks.span(name, "a", a, aOff, to);
        ArgChecks.span(name, "b", b, bOff, to);
        ArgChecks.span(name, "out", out, outOff, to);
        span(op, a, aOff + from, b, bOff + from, out, outOff + from, to - from);
    }

    private static void broadcastRow(String name, Op op, float[] x, int xOff, float[] row, int rowOff,
                                     float[] out, int outOff, int n, int rowFrom, int rowTo) {
        ArgChecks.positive(name, "n", n);
        ArgChecks.range(name, "row", rowFrom, rowTo);
        ArgChecks.rows(name, "x", x, xOff, rowTo, n);
        ArgChecks.span(name, "row", row, rowOff, n);
        ArgChecks.rows(name, "out", out, outOff, rowTo, n);
        for (int r = rowFrom; r < rowTo; r++) {
            span(op, x, xOff + r * n, row, rowOff, out, outOff + r * n, n);
        }
    }

    /** One contiguous stretch; the switch sits outside the loops so each loop stays tight. */
    private static void span(Op op, float[] a, int ai, float[] b, int bi, float[] out, int oi, int len) {
        switch (op) {
            case ADD -> addSpan(a, ai, b, bi, out, oi, len);
            case SUB -> subSpan(a, ai, b, bi, out, oi, len);
            case MUL -> mulSpan(a, ai, b, bi, out, oi, len);
            case DIV -> divSpan(a, ai, b, bi, out, oi, len);
        }
    }

    private static void addSpan(float[] a, int ai, float[] b, int bi, float[] out, int oi, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(F, a, ai + i).add(FloatVector.fromArray(F, b, bi + i)).intoArray(out, oi + i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, a, ai + i, m).add(FloatVector.fromArray(F, b, bi + i, m)).intoArray(out, oi + i, m);
        }
    }

    private static void subSpan(float[] a, int ai, float[] b, int bi, float[] out, int oi, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(F, a, ai + i).sub(FloatVector.fromArray(F, b, bi + i)).intoArray(out, oi + i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, a, ai + i, m).sub(FloatVector.fromArray(F, b, bi + i, m)).intoArray(out, oi + i, m);
        }
    }

    private static void mulSpan(float[] a, int ai, float[] b, int bi, float[] out, int oi, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(F, a, ai + i).mul(FloatVector.fromArray(F, b, bi + i)).intoArray(out, oi + i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, a, ai + i, m).mul(FloatVector.fromArray(F, b, bi + i, m)).intoArray(out, oi + i, m);
        }
    }

    private static void divSpan(float[] a, int ai, float[] b, int bi, float[] out, int oi, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(F, a, ai + i).div(FloatVector.fromArray(F, b, bi + i)).intoArray(out, oi + i);
        }
        if (i < len) {
            // masked-off lanes divide 0 by 0; their NaN is never stored
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, a, ai + i, m).div(FloatVector.fromArray(F, b, bi + i, m)).intoArray(out, oi + i, m);
        }
    }
}
