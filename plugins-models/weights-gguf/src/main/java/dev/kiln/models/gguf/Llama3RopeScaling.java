package dev.kiln.models.gguf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Llama-3.1-style RoPE scaling, recovered from the tensor llama.cpp stores in its place. For a
 * model whose config.json has {@code rope_scaling.rope_type = "llama3"}, convert_hf_to_gguf writes
 * no rope_scaling keys but {@code rope_freqs.weight}: one divisor per frequency, 1 for the high
 * frequencies, {@code factor} for the low ones, and a smooth blend between. This finds the
 * {@code factor}, {@code low_freq_factor} and {@code high_freq_factor} that give those divisors by
 * transformers' {@code _compute_llama3_parameters}, and checks that they give every one back.
 *
 * <p>Only the ratios of the two frequency factors to the original context length change the
 * divisors, so the context length is taken as convert_hf_to_gguf's default, 8192 (Llama 3.1's and
 * 3.2's), and the factors are fitted to it.
 */
final class Llama3RopeScaling {

    static final int ORIGINAL_CONTEXT = 8192;
    /** convert_hf_to_gguf computes the divisors in float32. */
    private static final double TOLERANCE = 1e-4;

    private Llama3RopeScaling() {
    }

    /**
     * The rope_scaling object that reproduces {@code divisors}, or empty when they are all 1.
     *
     * @throws UnsupportedOperationException naming {@code where} when no Llama-3 scaling gives
     *     them
     */
    static Optional<Map<String, Object>> fit(float[] divisors, double theta, int headDim,
            String where) {
        if (divisors.length * 2 != headDim) {
            throw new UnsupportedOperationException(where + ": " + divisors.length
                    + " frequency factors for a head dimension of " + headDim);
        }
        double factor = 0;
        for (float d : divisors) {
            factor = Math.max(factor, d);
        }
        if (factor <= 1 + TOLERANCE) {
            return Optional.empty();
        }
        // The blended frequencies: 1 / divisor = (1 - s) / factor + s, with s linear in
        // 1 / wavelength: s = (context / wavelength - low) / (high - low) = a / wavelength - b.
        List<double[]> blended = new ArrayList<>();
        for (int i = 0; i < divisors.length; i++) {
            double d = divisors[i];
            if (d > 1 + TOLERANCE && d < factor * (1 - TOLERANCE)) {
                double s = (1 / d - 1 / factor) / (1 - 1 / factor);
                blended.add(new double[] {1 / wavelength(i, theta, headDim), s});
            }
        }
        if (blended.size() < 2) {
            throw new UnsupportedOperationException(where + ": the frequency factors have "
                    + blended.size() + " blended values; Llama-3 scaling needs 2 to be recovered");
        }
        double[] line = leastSquares(blended);
        double a = line[0];
        double b = -line[1];
        double span = ORIGINAL_CONTEXT / a;
        double low = snap(b * span);
        double high = snap(low + span);
        for (int i = 0; i < divisors.length; i++) {
            double expected = divisor(wavelength(i, theta, headDim), factor, low, high);
            if (Math.abs(expected - divisors[i]) > TOLERANCE * expected) {
                throw new UnsupportedOperationException(where + ": frequency factor " + i + " is "
                        + divisors[i] + ", Llama-3 scaling with factor " + factor
                        + ", low_freq_factor " + low + " and high_freq_factor " + high
                        + " gives " + expected + ": not Llama-3 scaling");
            }
        }
        Map<String, Object> scaling = new LinkedHashMap<>();
        scaling.put("rope_type", "llama3");
        scaling.put("factor", factor);
        scaling.put("low_freq_factor", low);
        scaling.put("high_freq_factor", high);
        scaling.put("original_max_position_embeddings", ORIGINAL_CONTEXT);
        return Optional.of(scaling);
    }

    /** transformers' llama3 divisor of a frequency with this wavelength. */
    static double divisor(double wavelength, double factor, double low, double high) {
        if (wavelength < ORIGINAL_CONTEXT / high) {
            return 1;
        }
        if (wavelength > ORIGINAL_CONTEXT / low) {
            return factor;
        }
        double s = (ORIGINAL_CONTEXT / wavelength - low) / (high - low);
        return 1 / ((1 - s) / factor + s);
    }

    static double wavelength(int i, double theta, int headDim) {
        return 2 * Math.PI * Math.pow(theta, 2.0 * i / headDim);
    }

    /** {@code [slope, intercept]} of the line through points {@code [x, y]}. */
    private static double[] leastSquares(List<double[]> points) {
        double n = points.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
            sxx += p[0] * p[0];
            sxy += p[0] * p[1];
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return new double[] {slope, (sy - slope * sx) / n};
    }

    /** A value within float error of a whole number is that number (1 and 4 for Llama 3.1). */
    private static double snap(double v) {
        double whole = Math.rint(v);
        return Math.abs(v - whole) < 1e-3 * Math.max(1, Math.abs(v)) ? whole : v;
    }
}
