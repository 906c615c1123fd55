package dev.kiln.hal.cpu.kernel;

import static jdk.incubator.vector.VectorOperators.FMA;
import static jdk.incubator.vector.VectorOperators.LSHL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x lane by lane from plain IEEE operations (fma, multiply, add, compare, integer shifts), so
 * its result is the same bits whether the JIT has compiled the caller or not.
 *
 * <p>The Vector API's own {@code lanewise(EXP)} is not: compiled, it is an SVML-style intrinsic;
 * interpreted or before C2 gets to a loop, it is {@code Math.exp} per lane. The two differ in the
 * last bit for some inputs, and which one a kernel call gets depends on when the JIT finished
 * compiling it, so two runs of the same training job with the same seed drifted apart after a
 * few steps. Every vector exponential in hal-cpu goes through here instead.
 *
 * <p>e^y = 2^n e^r with n = round(y / ln 2) and |r| &lt;= ln 2 / 2, where a degree-7 Taylor
 * polynomial is within about 2 ulp of e^r. Below about -87.3 (where e^y turns subnormal) the
 * result is 0, above 88 it is +inf; NaN stays NaN.
 */
final class VectorExp {

    private static final float LOG2_E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;      // few mantissa bits: n * LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;   // ln 2 - LN2_HI
    /** 1.5 * 2^23: adding it rounds to an integer that then sits in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** Below this e^y is subnormal: flushed to 0, far below anything a softmax row can notice. */
    private static final float MIN_ARG = -87.33654f;
    /** Above this 2^n could overflow: +inf. */
    private static final float MAX_ARG = 88f;

    private VectorExp() {}

    /** e^y in every lane. */
    static FloatVector exp(FloatVector y) {
        FloatVector shifted = y.fma(LOG2_E, ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = n.lanewise(FMA, -LN2_HI, y);
        r = n.lanewise(FMA, -LN2_LO, r);
        FloatVector poly = r.fma(1f / 5040, 1f / 720);
        poly = poly.lanewise(FMA, r, 1f / 120);
        poly = poly.lanewise(FMA, r, 1f / 24);
        poly = poly.lanewise(FMA, r, 1f / 6);
        poly = poly.lanewise(FMA, r, 0.5f);
        poly = poly.lanewise(FMA, r, 1f);
        poly = poly.lanewise(FMA, r, 1f);
        FloatVector twoToN = shifted.reinterpretAsInts().sub(ROUNDER_BITS).add(127).lanewise(LSHL, 23)
                .reinterpretAsFloats();
        // Out of range 2^n is garbage (and -inf gives NaN): those lanes are replaced, which is
        // cheaper than clamping y with Java's NaN- and sign-aware min and max.
        return poly.mul(twoToN)
                .blend(0f, y.lt(MIN_ARG))
                .blend(Float.POSITIVE_INFINITY, y.compare(VectorOperators.GT, MAX_ARG));
    }
}
