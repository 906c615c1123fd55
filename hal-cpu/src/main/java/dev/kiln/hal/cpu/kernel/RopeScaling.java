package dev.kiln.hal.cpu.kernel;

/**
 * How a model stretches its rotary frequencies beyond the context it was pretrained on. Each
 * scaling maps one inverse frequency (radians per position) to the one actually used.
 */
public sealed interface RopeScaling {

    /** The frequency used in place of {@code inverseFrequency}. */
    double adjust(double inverseFrequency);

    /** The frequencies as computed from rope_theta. */
    static RopeScaling none() {
        return None.INSTANCE;
    }

    /** Position interpolation: every frequency divided by {@code factor}. */
    static RopeScaling linear(double factor) {
        return new Linear(factor);
    }

    /** Llama 3.1's scaling, for its rope_scaling fields. */
    static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        return new Llama3(factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings);
    }

    enum None implements RopeScaling {
        INSTANCE;

        @Override
        public double adjust(double inverseFrequency) {
            return inverseFrequency;
        }
    }

    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("rope linear scaling: factor must be positive and finite, was " + factor);
            }
        }

        @Override
        public double adjust(double inverseFrequency) {
            return inverseFrequency / factor;
        }
    }

    /**
     * Llama 3.1: frequencies whose wavelength (2 pi / frequency) is shorter than
     * originalMax / highFreqFactor are kept; those longer than originalMax / lowFreqFactor are
     * divided by factor; in between, the result blends the two linearly in originalMax / wavelength:
     * (1 - s) f / factor + s f with s = (originalMax / wavelength - lowFreqFactor) /
     * (highFreqFactor - lowFreqFactor), which meets both neighbours at the band's edges.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
        public Llama3 {
            String op = "rope llama3 scaling";
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException(op + ": factor must be positive and finite, was " + factor);
            }
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException(op + ": needs 0 < low_freq_factor < high_freq_factor, was "
                        + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException(op + ": original_max_position_embeddings must be positive, was "
                        + originalMaxPositionEmbeddings);
            }
        }

        @Override
        public double adjust(double inverseFrequency) {
            double wavelength = 2 * Math.PI / inverseFrequency;
            double highFreqWavelength = originalMaxPositionEmbeddings / highFreqFactor;
            double lowFreqWavelength = originalMaxPositionEmbeddings / lowFreqFactor;
            if (wavelength < highFreqWavelength) {
                return inverseFrequency;
            }
            if (wavelength > lowFreqWavelength) {
                return inverseFrequency / factor;
            }
            double smooth = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
        }
    }
}
