package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The error function in float, within 2e-7 relative of the exact value everywhere, and the
 * standard normal CDF built on it without cancellation in its lower tail (which exact GELU needs
 * for negative inputs).
 *
 * <p>Two fits, both least-squares minimax fits to high-precision erf made for this class:
 * <ul>
 *   <li>|x| &lt; 1: erf(x) = x P(x^2), P of degree 6 (relative error 1e-9 before float rounding);
 *   <li>|x| &gt;= 1: erfc(x) = t Q(t) exp(-x^2) with t = 1 / (1 + x/2), Q of degree 9 (relative
 *       error 7e-10), which stays accurate as x grows because Q tends to a constant.
 * </ul>
 * The vector forms compute both fits and pick per lane; NaN stays NaN, +-inf give +-1.
 */
final class Erf {

    private static final float P0 = 1.128379107e+00f, P1 = -3.761262596e-01f, P2 = 1.128358543e-01f,
            P3 = -2.685381100e-02f, P4 = 5.188327283e-03f, P5 = -8.010191959e-04f, P6 = 7.853855641e-05f;

    private static final float Q0 = 2.820948064e-01f, Q1 = 2.820936441e-01f, Q2 = 2.468672246e-01f,
            Q3 = 1.757795811e-01f, Q4 = 8.854392171e-02f, Q5 = -3.138931468e-02f, Q6 = 3.946354240e-02f,
            Q7 = -2.669955194e-01f, Q8 = 2.655572593e-01f, Q9 = -8.225440979e-02f;

    private static final float INV_SQRT2 = 0.70710678118654752f;

    private Erf() {}

    /** erf(x) for one float. */
    static float erf(float x) {
        float a = Math.abs(x);
        float e = a < 1f ? smallErf(a) : 1f - tailErfc(a);
        return Math.copySign(e, x);
    }

    private static float smallErf(float a) {
        float s = a * a;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P6, s, P5), s, P4), s, P3), s, P2), s, P1), s, P0);
        return a * p;
    }

    private static float tailErfc(float a) {
        float t = 1f / (1f + 0.5f * a);
        float q = Q9;
        q = Math.fma(q, t, Q8);
        q = Math.fma(q, t, Q7);
        q = Math.fma(q, t, Q6);
        q = Math.fma(q, t, Q5);
        q = Math.fma(q, t, Q4);
        q = Math.fma(q, t, Q3);
        q = Math.fma(q, t, Q2);
        q = Math.fma(q, t, Q1);
        q = Math.fma(q, t, Q0);
        return t * q * (float) StrictMath.exp(-(a * a));
    }

    /** erf(x) lane by lane. */
    static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector e = smallErf(a).blend(tailErfc(a).neg().add(1f), a.compare(VectorOperators.GE, 1f));
        // copy the sign of x: erf is odd
        return e.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
    }

    /** The standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2, accurate in relative terms for x &lt; 0 too. */
    static FloatVector normalCdf(FloatVector x) {
        return normalCdf(x, gaussian(x));
    }

    /** exp(-x^2 / 2), the normal density without its constant; {@link #normalCdf(FloatVector, FloatVector)} reuses it. */
    static FloatVector gaussian(FloatVector x) {
        return VectorExp.exp(x.mul(x).mul(-0.5f));
    }

    /** Phi(x) given {@code gaussian = exp(-x^2 / 2)}, for callers that need both (GELU's slope). */
    static FloatVector normalCdf(FloatVector x, FloatVector gaussian) {
        FloatVector a = x.abs().mul(INV_SQRT2);
        FloatVector small = smallErf(a);
        FloatVector tail = tailErfc(a, gaussian); // exp(-a^2) = exp(-x^2 / 2)
        var beyondOne = a.compare(VectorOperators.GE, 1f);
        FloatVector erfOfA = small.blend(tail.neg().add(1f), beyondOne);
        FloatVector erfcOfA = small.neg().add(1f).blend(tail, beyondOne);
        // x >= 0: (1 + erf(a)) / 2; x < 0: erfc(a) / 2, which never subtracts two near-equal numbers.
        return erfOfA.add(1f).blend(erfcOfA, x.compare(VectorOperators.LT, 0f)).mul(0.5f);
    }

    private static FloatVector smallErf(FloatVector a) {
        FloatVector s = a.mul(a);
        FloatVector p = s.fma(P6, P5);
        p = horner(p, s, P4);
        p = horner(p, s, P3);
        p = horner(p, s, P2);
        p = horner(p, s, P1);
        p = horner(p, s, P0);
        return a.mul(p);
    }

    private static FloatVector tailErfc(FloatVector a) {
        return tailErfc(a, VectorExp.exp(a.mul(a).neg()));
    }

    /** erfc(a) = t Q(t) exp(-a^2) for a &gt;= 1, given {@code expMinusSquare} = exp(-a^2). */
    private static FloatVector tailErfc(FloatVector a, FloatVector expMinusSquare) {
        FloatVector t = a.broadcast(1f).div(a.fma(0.5f, 1f));
        FloatVector q = t.fma(Q9, Q8);
        q = horner(q, t, Q7);
        q = horner(q, t, Q6);
        q = horner(q, t, Q5);
        q = horner(q, t, Q4);
        q = horner(q, t, Q3);
        q = horner(q, t, Q2);
        q = horner(q, t, Q1);
        q = horner(q, t, Q0);
        return t.mul(q).mul(expMinusSquare);
    }

    /** One Horner step: acc * x + c. */
    private static FloatVector horner(FloatVector acc, FloatVector x, float c) {
        return acc.fma(x, x.broadcast(c));
    }
}
