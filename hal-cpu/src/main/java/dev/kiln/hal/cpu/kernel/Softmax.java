package dev.kiln.hal.cpu.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax over the last dimension of an [*, n] matrix, forward and backward, for rows
 * [rowFrom, rowTo). The row max is subtracted before exponentiating, so large logits do not
 * overflow; a row that is -infinity throughout (fully masked) gives zeros. y may alias x, dx may
 * alias dy.
 */
public final class Softmax {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorMask<Float> ALL = F.maskAll(true);

    private Softmax() {}

    /** y[r, j] = exp(x[r, j] - max_r) / sum_k exp(x[r, k] - max_r). */
    public static void softmax(float[] x, int xOff, float[] y, int yOff, int n, int rowFrom, int rowTo) {
        String op = "softmax";
        ArgChecks.positive(op, "n", n);
        ArgChecks.range(op, "row", rowFrom, rowTo);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.rows(op, "y", y, yOff, rowTo, n);
        for (int r = rowFrom; r < rowTo; r++) {
            int xr = xOff + r * n;
            int yr = yOff + r * n;
            float max = Reductions.maxOfSpan(x, xr, n);
            if (max == Float.NEGATIVE_INFINITY) {
                // Fully masked: exp(-inf - -inf) would be NaN; the softmax of such a row is 0.
                Arrays.fill(y, yr, yr + n, 0f);
                continue;
            }
            float sum = expShiftedInto(x, xr, max, y, yr, n);
            Elementwise.scale(y, yr, 1f / sum, y, yr, 0, n);
        }
    }

    /** dx = y * (dy - sum_j dy_j y_j), from the forward's output y. */
    public static void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                       int n, int rowFrom, int rowTo) {
        String op = "softmaxBackward";
        ArgChecks.positive(op, "n", n);
        ArgChecks.range(op, "row", rowFrom, rowTo);
        ArgChecks.rows(op, "y", y, yOff, rowTo, n);
        ArgChecks.rows(op, "dy", dy, dyOff, rowTo, n);
        ArgChecks.rows(op, "dx", dx, dxOff, rowTo, n);
        for (int r = rowFrom; r < rowTo; r++) {
            int yr = yOff + r * n;
            int dyr = dyOff + r * n;
            int dxr = dxOff + r * n;
            float dot = dot(dy, dyr, y, yr, n);
            int j = 0;
            for (int bound = F.loopBound(n); j < bound; j += L) {
                backwardStep(y, yr + j, dy, dyr + j, dx, dxr + j, dot, ALL);
            }
            if (j < n) {
                backwardStep(y, yr + j, dy, dyr + j, dx, dxr + j, dot, F.indexInRange(j, n));
            }
        }
    }

    private static void backwardStep(float[] y, int yAt, float[] dy, int dyAt, float[] dx, int dxAt, float dot,
                                     VectorMask<Float> m) {
        FloatVector.fromArray(F, dy, dyAt, m).sub(dot).mul(FloatVector.fromArray(F, y, yAt, m)).intoArray(dx, dxAt, m);
    }

    private static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            acc = FloatVector.fromArray(F, a, aAt + j).fma(FloatVector.fromArray(F, b, bAt + j), acc);
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            acc = FloatVector.fromArray(F, a, aAt + j, m).fma(FloatVector.fromArray(F, b, bAt + j, m), acc);
        }
        return Lanes.sum(acc);
    }

    /**
     * Writes exp(x[i] - shift) to out (which may be x itself) for n elements and returns their sum;
     * out null only sums.
     */
    static float expShiftedInto(float[] x, int xAt, float shift, float[] out, int outAt, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(F, x, xAt + j).sub(shift));
            if (out != null) {
                e.intoArray(out, outAt + j);
            }
            acc = acc.add(e);
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector e = VectorExp.exp(FloatVector.fromArray(F, x, xAt + j, m).sub(shift));
            if (out != null) {
                e.intoArray(out, outAt + j, m);
            }
            acc = acc.add(e, m);
        }
        return Lanes.sum(acc);
    }
}
