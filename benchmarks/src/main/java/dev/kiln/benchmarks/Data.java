package dev.kiln.benchmarks;

import java.util.SplittableRandom;

/** Random inputs for the benchmarks. */
final class Data {

    private Data() {}

    /** {@code n} floats uniform in [-1, 1). */
    static float[] uniform(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    /** {@code n} floats drawn from N(0, std²) (Box-Muller). */
    static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i += 2) {
            double radius = std * Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
            double angle = 2 * Math.PI * random.nextDouble();
            x[i] = (float) (radius * Math.cos(angle));
            if (i + 1 < n) {
                x[i + 1] = (float) (radius * Math.sin(angle));
            }
        }
        return x;
    }

    /** {@code n} ints uniform in [0, bound). */
    static int[] ints(SplittableRandom random, int n, int bound) {
        int[] x = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextInt(bound);
        }
        return x;
    }
}
