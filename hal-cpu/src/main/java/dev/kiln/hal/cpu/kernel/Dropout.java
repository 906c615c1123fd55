package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inverted dropout with a counter-based mask: whether element i is kept is a hash of (seed, i),
 * so the mask depends on neither the thread split nor the order of work, and the backward
 * regenerates it from the seed instead of storing it.
 *
 * <p>The hash is the one the HAL defines (hal-tck's {@code ReferenceKernels.dropoutKeep}), so every
 * backend draws the same mask: SplitMix64 in 64-bit wrap-around arithmetic,
 * {@code bits = mix64(mix64(seed) + (i + 1) * 0x9E3779B97F4A7C15)}, and element i is kept when
 * {@code u = (bits >>> 40) * 2^-24 >= p}. As u is a multiple of 2^-24 and {@code p * 2^24} is exact,
 * that is the integer test {@code bits >>> 40 >= ceil(p * 2^24)}. Kept elements are scaled by
 * 1 / (1 - p). Indices count from each array's offset: use one seed per tensor per step.
 */
public final class Dropout {

    /** 64-bit lanes for the hash, and floats in as many lanes (half the bits) for the data. */
    private static final VectorSpecies<Long> H = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F =
            VectorSpecies.of(float.class, VectorShape.forBitSize(H.length() * Float.SIZE));
    private static final int L = H.length();
    private static final VectorMask<Float> ALL = F.maskAll(true);

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    /** Lane j's step from the block's first counter: j * GOLDEN_GAMMA. */
    private static final LongVector LANE_STEPS = LongVector.zero(H).addIndex(1).mul(GOLDEN_GAMMA);

    private Dropout() {}

    /** y[i] = keep(i) ? x[i] / (1 - p) : 0 for i in [from, to). */
    public static void dropout(float[] x, int xOff, float[] y, int yOff, float p, long seed, int from, int to) {
        apply("dropout", x, xOff, y, yOff, p, seed, from, to);
    }

    /** dx[i] = keep(i) ? dy[i] / (1 - p) : 0, with the forward's p and seed. */
    public static void dropoutBackward(float[] dy, int dyOff, float[] dx, int dxOff, float p, long seed,
                                       int from, int to) {
        apply("dropoutBackward", dy, dyOff, dx, dxOff, p, seed, from, to);
    }

    /** Whether element {@code index} is kept; the scalar form of the mask, for checks. */
    static boolean keeps(long seed, float p, long index) {
        long bits = mix64(mix64(seed) + (index + 1) * GOLDEN_GAMMA);
        return (bits >>> 40) >= threshold(p);
    }

    private static void apply(String op, float[] in, int inOff, float[] out, int outOff, float p, long seed,
                              int from, int to) {
        ArgChecks.range(op, "element", from, to);
        ArgChecks.probability(op, "p", p);
        ArgChecks.span(op, "input", in, inOff, to);
        ArgChecks.span(op, "output", out, outOff, to);
        long key = mix64(seed);
        long threshold = threshold(p);
        float scale = (float) (1.0 / (1.0 - p));
        int i = from;
        for (int bound = from + H.loopBound(to - from); i < bound; i += L) {
            step(in, inOff, out, outOff, i, key, threshold, scale, ALL);
        }
        if (i < to) {
            step(in, inOff, out, outOff, i, key, threshold, scale, F.indexInRange(i, to));
        }
    }

    /** Elements i .. i + L - 1 (those under the mask). */
    private static void step(float[] in, int inOff, float[] out, int outOff, int i, long key, long threshold,
                             float scale, VectorMask<Float> inRange) {
        LongVector counters = LANE_STEPS.add(key + (i + 1L) * GOLDEN_GAMMA);
        VectorMask<Float> keep = mix64(counters).lanewise(VectorOperators.LSHR, 40)
                .compare(VectorOperators.GE, threshold).cast(F);
        // blend, not multiply by a 0/1 mask: with p = 1 the scale is infinite and inf * 0 is NaN
        FloatVector kept = FloatVector.fromArray(F, in, inOff + i, inRange).mul(scale);
        FloatVector.zero(F).blend(kept, keep).intoArray(out, outOff + i, inRange);
    }

    /** The 24-bit draw must reach this to keep an element: ceil(p * 2^24), exact for a float p. */
    private static long threshold(float p) {
        return (long) Math.ceil(p * (double) (1 << 24));
    }

    /** SplitMix64's finalizer (Stafford's variant 13). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static LongVector mix64(LongVector z) {
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
        return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
    }
}
