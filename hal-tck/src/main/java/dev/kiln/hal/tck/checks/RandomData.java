package dev.kiln.hal.tck.checks;

import java.util.Random;

/** Seeded random inputs. */
final class RandomData {

    private RandomData() {}

    /** Uniform in [low, high). */
    static float[] uniform(Random random, int n, double low, double high) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (low + (high - low) * random.nextDouble());
        }
        return values;
    }

    /** Magnitude uniform in [low, high), random sign: safe to divide by, never 0. */
    static float[] awayFromZero(Random random, int n, double low, double high) {
        float[] values = uniform(random, n, low, high);
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                values[i] = -values[i];
            }
        }
        return values;
    }

    /** Uniform integers in [0, bound). */
    static int[] ints(Random random, int n, int bound) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextInt(bound);
        }
        return values;
    }

    static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    /** Each value rounded to float, as it would be stored in an F32 buffer. */
    static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }

    static double[] abs(double[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Math.abs(values[i]);
        }
        return result;
    }

    static double maxAbs(double[] values) {
        double max = 0;
        for (double value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
