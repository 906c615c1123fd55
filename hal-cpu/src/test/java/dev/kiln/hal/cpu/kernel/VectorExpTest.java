package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * VectorExp is the same bits as a scalar statement of its algorithm (so it cannot depend on
 * whether the JIT compiled it: the Vector API's own EXP, which it replaced, matches neither), and
 * within 2 ulp of StrictMath.exp wherever the result is a normal float (up to e^88, above which
 * it is +inf by design).
 */
class VectorExpTest {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Test
    void equalsTheScalarPolynomialBitForBitAndStrictMathWithinTwoUlp() {
        Random random = new Random(11);
        float[] x = new float[F.length() * 20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (random.nextFloat() * 2 - 1) * (i % 3 == 0 ? 100f : 10f);
        }
        float[] e = exp(x);
        int worstUlps = 0;
        for (int i = 0; i < x.length; i++) {
            float in = x[i];
            assertEquals(Float.floatToRawIntBits(scalarExp(in)), Float.floatToRawIntBits(e[i]), () -> "exp(" + in + ")");
            float exact = (float) StrictMath.exp(x[i]);
            if (exact >= Float.MIN_NORMAL && x[i] <= 88f) {
                worstUlps = Math.max(worstUlps, Math.abs(Float.floatToRawIntBits(exact) - Float.floatToRawIntBits(e[i])));
            }
        }
        assertTrue(worstUlps <= 2, worstUlps + " ulp");
    }

    @Test
    void edgesGiveZeroInfinityAndNaN() {
        float[] x = new float[F.length()];
        float[] in = {Float.NEGATIVE_INFINITY, -1000f, -88f, 0f, 89f, Float.POSITIVE_INFINITY, Float.NaN, -0f};
        float[] want = {0f, 0f, 0f, 1f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 1f};
        for (int k = 0; k < in.length; k += x.length) {
            int n = Math.min(x.length, in.length - k);
            System.arraycopy(in, k, x, 0, n);
            float[] e = exp(x);
            for (int i = 0; i < n; i++) {
                assertEquals(want[k + i], e[i], "exp(" + in[k + i] + ")");
            }
        }
    }

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            VectorExp.exp(FloatVector.fromArray(F, x, i)).intoArray(out, i);
        }
        return out;
    }

    /** The algorithm VectorExp documents, one float at a time. */
    private static float scalarExp(float y) {
        float shifted = Math.fma(y, 1.44269504088896341f, 12582912f);
        float n = shifted - 12582912f;
        float r = Math.fma(n, -0.693359375f, y);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = Math.fma(r, 1f / 5040, 1f / 720);
        for (float c : new float[] {1f / 120, 1f / 24, 1f / 6, 0.5f, 1f, 1f}) {
            p = Math.fma(p, r, c);
        }
        float twoToN = Float.intBitsToFloat((Float.floatToRawIntBits(shifted) - Float.floatToRawIntBits(12582912f) + 127) << 23);
        if (y < -87.33654f) {
            return 0f;
        }
        return y > 88f ? Float.POSITIVE_INFINITY : p * twoToN;
    }
}
