package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.RopeSpec.Scaling;

/** Rotary position embeddings: the frequencies of a {@link RopeSpec} and the rotation. */
public final class Rotary {

    private Rotary() {}

    /**
     * The inverse frequency of each of the {@code rotaryDim / 2} rotating pairs, as Hugging Face
     * transformers computes {@code inv_freq}: {@code theta^(-2i / rotaryDim)}, then rescaled by
     * rope_scaling.
     *
     * <ul>
     *   <li>"none" or "default": unchanged.
     *   <li>"linear": divided by factor (the same as dividing positions by it).
     *   <li>"llama3": with wavelength {@code 2 pi / f}, frequencies of short wavelength (below
     *       {@code originalMax / highFreqFactor}) stay; those of long wavelength (above
     *       {@code originalMax / lowFreqFactor}) are divided by factor; in between they blend,
     *       {@code smooth = (originalMax / wavelength - low) / (high - low)} and
     *       {@code f' = (1 - smooth) f / factor + smooth f}.
     * </ul>
     *
     * @throws IllegalArgumentException for any other rope_scaling type
     */
    public static double[] inverseFrequencies(RopeSpec spec) {
        int pairs = spec.rotaryDim() / 2;
        double[] frequencies = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            frequencies[i] = 1 / Math.pow(spec.theta(), 2.0 * i / spec.rotaryDim());
        }
        Scaling scaling = spec.scaling();
        switch (scaling.type()) {
            case "none", "default" -> { }
            case "linear" -> {
                requirePositive(scaling.factor(), "factor");
                for (int i = 0; i < pairs; i++) {
                    frequencies[i] /= scaling.factor();
                }
            }
            case "llama3" -> rescaleLlama3(frequencies, scaling);
            default -> throw new IllegalArgumentException("rope: rope_scaling type '" + scaling.type()
                    + "' is not one of none, linear, llama3");
        }
        return frequencies;
    }

    /**
     * Rotates each head of x {@code [tokens, heads, headDim]} in place by {@code position ×
     * frequency} (negated when {@code inverse}). A pair (x1, x2) becomes
     * {@code (x1 cos - x2 sin, x2 cos + x1 sin)}; pairs are (i, i + rotaryDim/2) for rotate-half
     * and (2i, 2i + 1) for interleaved; dims from rotaryDim to headDim are left as they are.
     */
    public static void rotate(RopeSpec spec, double[] x, int[] positions, int tokens, int heads,
            boolean inverse) {
        double[] frequencies = inverseFrequencies(spec);
        int half = spec.rotaryDim() / 2;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int head = (t * heads + h) * spec.headDim();
                for (int i = 0; i < half; i++) {
                    double angle = positions[t] * frequencies[i] * (inverse ? -1 : 1);
                    int first = head + (spec.interleaved() ? 2 * i : i);
                    int second = head + (spec.interleaved() ? 2 * i + 1 : i + half);
                    double x1 = x[first];
                    double x2 = x[second];
                    x[first] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                    x[second] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                }
            }
        }
    }

    private static void rescaleLlama3(double[] frequencies, Scaling s) {
        requirePositive(s.factor(), "factor");
        requirePositive(s.originalMaxPositions(), "original_max_position_embeddings");
        if (!(s.highFreqFactor() > s.lowFreqFactor())) {
            throw new IllegalArgumentException("rope: llama3 high_freq_factor " + s.highFreqFactor()
                    + " must exceed low_freq_factor " + s.lowFreqFactor());
        }
        double shortestScaledWavelength = s.originalMaxPositions() / s.lowFreqFactor();
        double longestKeptWavelength = s.originalMaxPositions() / s.highFreqFactor();
        for (int i = 0; i < frequencies.length; i++) {
            double wavelength = 2 * Math.PI / frequencies[i];
            if (wavelength < longestKeptWavelength) {
                continue;
            }
            if (wavelength > shortestScaledWavelength) {
                frequencies[i] /= s.factor();
            } else {
                double smooth = (s.originalMaxPositions() / wavelength - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                frequencies[i] = (1 - smooth) * frequencies[i] / s.factor() + smooth * frequencies[i];
            }
        }
    }

    private static void requirePositive(double value, String name) {
        if (!(value > 0)) {
            throw new IllegalArgumentException("rope: rope_scaling " + name + " must be positive: " + value);
        }
    }
}
