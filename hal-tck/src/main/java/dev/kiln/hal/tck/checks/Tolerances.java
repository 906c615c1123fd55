package dev.kiln.hal.tck.checks;

/**
 * The tolerances of the kit, in one place. The device under test computes in F32 (the
 * reference in double, rounded once), so the bounds follow from float rounding (unit roundoff
 * u = 2^-24 ≈ 6e-8) with a margin for different summation orders, fused multiply-adds and
 * correctly rounded versus fast library functions; inputs are O(1) unless a check says
 * otherwise. Each is multiplied by the kit's tolerance scale, except the exact ones.
 *
 * <ul>
 *   <li>Exact: fill, convert, embedding, copies and round trips, reduce MAX, which elements
 *       dropout zeroes, guard elements around every operand.
 *   <li>{@link #ROUNDING} 1e-6 of |expected|: one rounding of an exact result (binary, scale,
 *       dropout's kept values), leaving room for a division by reciprocal.
 *   <li>{@link #ACCUMULATION} 2e-5 of the sum of the absolute terms: dot products and sums
 *       (gemm, axpy, reduce, embeddingBackward, the sums of normalization backwards): k terms
 *       summed in float are off by at most about k·u of that sum, 1.5e-5 at k = 257.
 *   <li>{@link #FUNCTIONS} 1e-5 of |expected| + 1e-6: exp, tanh, erf and sqrt (activations,
 *       softmax, norms, cross-entropy, AdamW), a few ulps each plus an absolute floor where
 *       results vanish.
 *   <li>RoPE: 1e-5 of the head's largest |x| times {@code (1 + |position| / 20)}: a float angle
 *       {@code position × frequency} is off by about {@code |angle| × 1.2e-7}.
 *   <li>{@link #ATTENTION} 2e-5 of the largest |v| for outputs, 1e-5 of {@code 1 + |lse|}.
 *   <li>{@link #GRADIENT} 5e-5 of the largest |expected| of the tensor: backward kernels whose
 *       terms cancel (attention, the dx of normalizations).
 *   <li>{@link #FINITE_DIFFERENCES} 1e-4 of the largest |gradient|: an F32 gradient against
 *       central differences in double.
 * </ul>
 */
final class Tolerances {

    static final double ROUNDING = 1e-6;
    static final double ACCUMULATION = 2e-5;
    static final double FUNCTIONS = 1e-5;
    static final double FUNCTIONS_FLOOR = 1e-6;
    static final double ROPE = 1e-5;
    static final double ROPE_POSITIONS_PER_UNIT = 20;
    static final double ATTENTION = 2e-5;
    static final double GRADIENT = 5e-5;
    static final double FINITE_DIFFERENCES = 1e-4;

    private Tolerances() {}

    static Tolerance rounding() {
        return Tolerance.relative(ROUNDING);
    }

    /** Relative to the sum of the absolute values of the terms of each element. */
    static Tolerance accumulation(double[] sizeOfTerms) {
        return Tolerance.relative(ACCUMULATION).relativeTo(sizeOfTerms);
    }

    static Tolerance functions() {
        return Tolerance.relative(FUNCTIONS).plus(FUNCTIONS_FLOOR);
    }

    /** Relative to the largest |expected| of the whole tensor. */
    static Tolerance gradient(double[] expected) {
        return Tolerance.relative(GRADIENT).relativeTo(RandomData.maxAbs(expected));
    }

    static Tolerance finiteDifferences(double[] gradient) {
        return Tolerance.relative(FINITE_DIFFERENCES).relativeTo(RandomData.maxAbs(gradient));
    }
}
