package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector arithmetic the attention kernels share, written so that a result never depends on
 * whether the JIT has compiled the code yet: the Vector API's own EXP and float ADD reduction
 * may round differently when intrinsified than in their Java fallbacks, which would break the
 * bit-for-bit reproducibility the kernels promise. Everything here uses only lanewise IEEE
 * operations (add, multiply, fma, compare, shuffles), which round the same either way.
 *
 * <p>The helpers take and return arrays, never vectors: when C2 does not inline a method (its
 * node budget runs out in a large kernel) every vector crossing the call is boxed on the heap,
 * which costs far more than the arithmetic. Vector API calls themselves are always inlined.
 */
final class AttentionMath {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int L = SPECIES.length();

    /** Lane indices 0, 1, .. L-1 as floats, for the causal cut in a tile of queries in lanes. */
    static final FloatVector LANE_INDEX = FloatVector.zero(SPECIES).addIndex(1);

    // Butterfly partners for sumLanesOfRows: lane i pairs with lane i ^ k.
    private static final VectorShuffle<Float> XOR_1 = xorShuffle(1);
    private static final VectorShuffle<Float> XOR_2 = xorShuffle(2);
    private static final VectorShuffle<Float> XOR_4 = xorShuffle(4);
    private static final VectorShuffle<Float> XOR_8 = xorShuffle(8);
    private static final VectorShuffle<Float> XOR_16 = xorShuffle(16);
    private static final VectorShuffle<Float> XOR_32 = xorShuffle(32);

    private AttentionMath() {}

    /**
     * {@code x = exp(x - shift)} over {@code vectors} consecutive vectors of x from {@code at},
     * each lane shifted by its own {@code shift[lane]}; if {@code sums} is not null it receives
     * the lane-wise sum of the results. -inf, and anything below about -87.3, gives 0; anything
     * above 88 gives +inf; NaN stays NaN.
     *
     * <p>{@link VectorExp#exp} is small enough that C2 always inlines it into this loop.
     */
    static void expShifted(float[] x, int at, int vectors, float[] shift, float[] sums) {
        FloatVector by = FloatVector.fromArray(SPECIES, shift, 0);
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int v = 0, i = at; v < vectors; v++, i += L) {
            FloatVector y = FloatVector.fromArray(SPECIES, x, i).sub(by);
            FloatVector e = VectorExp.exp(y);
            e.intoArray(x, i);
            sum = sum.add(e);
        }
        if (sums != null) {
            sum.intoArray(sums, 0);
        }
    }

    /**
     * {@code out[outAt + j] = } the sum of the L floats at {@code partials[j * L]}, for
     * {@code j < rows}, always added in the same butterfly order.
     */
    static void sumLanesOfRows(float[] partials, int rows, float[] out, int outAt) {
        for (int j = 0; j < rows; j++) {
            FloatVector v = FloatVector.fromArray(SPECIES, partials, j * L);
            if (L > 32) {
                v = v.add(v.rearrange(XOR_32));
            }
            if (L > 16) {
                v = v.add(v.rearrange(XOR_16));
            }
            if (L > 8) {
                v = v.add(v.rearrange(XOR_8));
            }
            if (L > 4) {
                v = v.add(v.rearrange(XOR_4));
            }
            if (L > 2) {
                v = v.add(v.rearrange(XOR_2));
            }
            v = v.add(v.rearrange(XOR_1));
            out[outAt + j] = v.lane(0);
        }
    }

    /** The sum of the first L floats of {@code lanes}, in lane order. */
    static float sumLanes(float[] lanes) {
        float sum = 0f;
        for (int i = 0; i < L; i++) {
            sum += lanes[i];
        }
        return sum;
    }

    /** e^x for a single float, through StrictMath so it is the same on every JVM and tier. */
    static float exp(float x) {
        return (float) StrictMath.exp(x);
    }

    /** The log-sum-exp of a row from its running max and sum; -inf for a row with no keys. */
    static float logSumExp(float max, float sum) {
        return sum > 0f ? (float) (max + StrictMath.log(sum)) : Float.NEGATIVE_INFINITY;
    }

    /**
     * A row's running max as the subtrahend for its exponentials: 0 while the row has seen no
     * finite score, so exp(-inf - 0) = 0 instead of exp(-inf + inf) = NaN.
     */
    static float finiteOrZero(float max) {
        return max == Float.NEGATIVE_INFINITY ? 0f : max;
    }

    static int roundUpToLanes(int n) {
        return (n + L - 1) / L * L;
    }

    private static VectorShuffle<Float> xorShuffle(int k) {
        return k < L ? VectorShuffle.fromOp(SPECIES, i -> i ^ k) : null;
    }
}
