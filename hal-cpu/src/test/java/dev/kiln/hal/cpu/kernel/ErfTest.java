package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class ErfTest {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** erf and erfc at a few points, from a 30-digit evaluation (mpmath). */
    private static final double[][] KNOWN = {
            {1e-8, 1.1283791670955125599e-8, 0.99999998871620832904},
            {0.1, 0.1124629160182848984, 0.8875370839817151016},
            {0.5, 0.52049987781304653768, 0.47950012218695346232},
            {0.9999, 0.84265927804875947799, 0.15734072195124052201},
            {1.0, 0.84270079294971486934, 0.15729920705028513066},
            {1.5, 0.96610514647531072707, 0.033894853524689272933},
            {2.0, 0.99532226501895273416, 0.0046777349810472658379},
            {3.0, 0.99997790950300141456, 0.000022090496998585441373},
            {3.9, 0.99999996520775140277, 3.4792248597231767129e-8},
            {5.0, 0.99999999999846254021, 1.5374597944280348502e-12},
    };

    @Test
    void theDoubleReferenceMatchesKnownValues() {
        for (double[] k : KNOWN) {
            assertClose(k[1], ScalarReference.erf(k[0]), 1e-13, 0, "erf(" + k[0] + ")");
            assertClose(k[2], ScalarReference.erfc(k[0]), 1e-11, 0, "erfc(" + k[0] + ")");
        }
    }

    @Test
    void vectorErfIsWithinOneMillionthRelative() {
        Random random = new Random(1);
        float[] xs = new float[40_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i % 2 == 0 ? (float) (random.nextDouble() * 12 - 6)
                    : (float) Math.copySign(Math.pow(10, -30 + 31 * random.nextDouble()), random.nextDouble() - 0.5);
        }
        double worst = 0;
        for (int i = 0; i < xs.length; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, xs, i, F.indexInRange(i, xs.length));
            float[] out = Erf.erf(v).toArray();
            for (int j = 0; j < F.length() && i + j < xs.length; j++) {
                double exact = ScalarReference.erf(xs[i + j]);
                worst = Math.max(worst, Math.abs(out[j] - exact) / Math.abs(exact));
                assertEquals(Erf.erf(xs[i + j]), out[j], 2e-7 * Math.abs(exact), "scalar and vector erf agree");
            }
        }
        assertTrue(worst < 1e-6, "worst relative error " + worst);
    }

    @Test
    void normalCdfKeepsItsRelativeAccuracyInTheLowerTail() {
        float[] xs = {-12f, -9f, -6f, -3.5f, -1.4142f, -1.4143f, -1f, -1e-3f, 0f, 1e-3f, 1f, 3f, 9f};
        float[] xsPadded = java.util.Arrays.copyOf(xs, ((xs.length + F.length() - 1) / F.length()) * F.length());
        for (int i = 0; i < xs.length; i += F.length()) {
            float[] out = Erf.normalCdf(FloatVector.fromArray(F, xsPadded, i)).toArray();
            for (int j = 0; j < F.length() && i + j < xs.length; j++) {
                double exact = ScalarReference.normalCdf(xs[i + j]);
                // exp(-x^2) in float loses a little relative accuracy for large |x|
                assertClose(exact, out[j], 2e-5, 0, "Phi(" + xs[i + j] + ")");
            }
        }
    }

    @Test
    void limitsAndNaN() {
        assertEquals(1f, Erf.erf(Float.POSITIVE_INFINITY));
        assertEquals(-1f, Erf.erf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, Erf.erf(100f));
        assertTrue(Float.isNaN(Erf.erf(Float.NaN)));
        float[] special = new float[F.length()];
        special[0] = Float.POSITIVE_INFINITY;
        special[1] = Float.NaN;
        float[] out = Erf.erf(FloatVector.fromArray(F, special, 0)).toArray();
        assertEquals(1f, out[0]);
        assertTrue(Float.isNaN(out[1]));
    }
}
