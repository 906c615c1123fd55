package dev.kiln.hal.cpu.kernel;

/**
 * The cos/sin of every rotary angle a model can meet, computed once: angle(pos, i) = pos * f_i for
 * positions [0, maxPositions) and frequencies f_i = scaling(theta^(-2i / rotaryDim)),
 * i in [0, rotaryDim / 2).
 *
 * <p>Angles and their cos/sin are computed in double and rounded once to float, so large
 * positions keep their accuracy (a float product pos * f_i would lose it).
 *
 * <p>The storage follows the layout, so the kernel reads it with plain vector loads:
 * <ul>
 *   <li>{@link RopeLayout#ROTATE_HALF}: cos and sin as [maxPositions, rotaryDim / 2];
 *   <li>{@link RopeLayout#INTERLEAVED}: cos as [maxPositions, rotaryDim] with each value twice
 *       (c0 c0 c1 c1 ...), and sin likewise with the signs the rotation needs (-s0 +s0 -s1 +s1 ...).
 * </ul>
 */
public final class RopeTable {

    private final RopeLayout layout;
    private final int rotaryDim;
    private final int maxPositions;
    private final double[] inverseFrequencies;
    /** Floats per position in {@link #cos} and {@link #sin}. */
    final int stride;
    final float[] cos;
    final float[] sin;

    private RopeTable(RopeLayout layout, int rotaryDim, int maxPositions, double[] inverseFrequencies) {
        this.layout = layout;
        this.rotaryDim = rotaryDim;
        this.maxPositions = maxPositions;
        this.inverseFrequencies = inverseFrequencies;
        int half = rotaryDim / 2;
        this.stride = layout == RopeLayout.ROTATE_HALF ? half : rotaryDim;
        long size = (long) maxPositions * stride;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rope table: " + maxPositions + " positions x " + stride
                    + " floats does not fit in one array");
        }
        this.cos = new float[(int) size];
        this.sin = new float[(int) size];
        for (int pos = 0; pos < maxPositions; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * inverseFrequencies[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                if (layout == RopeLayout.ROTATE_HALF) {
                    cos[pos * stride + i] = c;
                    sin[pos * stride + i] = s;
                } else {
                    int at = pos * stride + 2 * i;
                    cos[at] = c;
                    cos[at + 1] = c;
                    sin[at] = -s;
                    sin[at + 1] = s;
                }
            }
        }
    }

    /**
     * A table for heads whose first {@code rotaryDim} dimensions rotate (rotaryDim = headDim * the
     * partial rotary factor; even), for positions [0, maxPositions).
     */
    public static RopeTable build(RopeLayout layout, int rotaryDim, int maxPositions, double theta,
                                  RopeScaling scaling) {
        String op = "rope table";
        if (layout == null || scaling == null) {
            throw new IllegalArgumentException(op + ": layout and scaling must not be null");
        }
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException(op + ": rotaryDim must be positive and even, was " + rotaryDim);
        }
        if (maxPositions <= 0) {
            throw new IllegalArgumentException(op + ": maxPositions must be positive, was " + maxPositions);
        }
        if (!(theta > 1) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException(op + ": theta must be finite and above 1, was " + theta);
        }
        double[] frequencies = new double[rotaryDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = scaling.adjust(Math.pow(theta, -2.0 * i / rotaryDim));
        }
        return new RopeTable(layout, rotaryDim, maxPositions, frequencies);
    }

    public RopeLayout layout() {
        return layout;
    }

    public int rotaryDim() {
        return rotaryDim;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** The inverse frequency of pair i, after scaling, in radians per position. */
    public double inverseFrequency(int i) {
        return inverseFrequencies[i];
    }
}
