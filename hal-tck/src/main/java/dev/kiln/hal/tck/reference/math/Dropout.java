package dev.kiln.hal.tck.reference.math;

/**
 * Inverted dropout whose mask is a pure function of (seed, element index), so that any backend,
 * any thread split and the backward reproduce it bit for bit.
 *
 * <p>The hash is SplitMix64 (the generator of java.util.SplittableRandom): the seed is mixed
 * once into a stream key, element i draws {@code mix64(key + (i + 1) * 0x9E3779B97F4A7C15)}, and
 * its top 24 bits give {@code u = bits × 2^-24}, exact in float, in [0, 1). The element is kept
 * when {@code u >= p}, compared in float. Everything is 64-bit integer arithmetic with wrap-around
 * and unsigned shifts, which CUDA, OpenCL and Java all have.
 */
public final class Dropout {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Dropout() {}

    /** Whether element {@code index} survives dropout with probability {@code p} under {@code seed}. */
    public static boolean keep(long seed, long index, float p) {
        long key = mix64(seed);
        long bits = mix64(key + (index + 1) * GOLDEN_GAMMA);
        float u = (bits >>> 40) * 0x1p-24f;
        return u >= p;
    }

    /**
     * {@code x / (1 - p)} where kept, 0 where dropped: the same for the forward (x the input) and
     * the backward (x the output gradient). p 1 drops everything.
     */
    public static double[] apply(double[] x, float p, long seed) {
        requireProbability(p);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = keep(seed, i, p) ? x[i] / (1 - (double) p) : 0;
        }
        return out;
    }

    /** The SplitMix64 finalizer (Stafford's variant 13). */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void requireProbability(float p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1]: " + p);
        }
    }
}
