package dev.kiln.hal.tck.checks;

import java.util.Locale;

/**
 * How far a result may be from the expected one: element i passes when
 * {@code |actual - expected| <= atol + rtol × magnitude(i)}. The magnitude is |expected| unless
 * a check gives the size of the terms the element was computed from (a dot product's
 * {@code sum |a||b|}), which is what rounding errors scale with. An infinite magnitude marks an
 * element whose value the contract leaves open. NaN must match NaN, infinities must match
 * exactly, and {@link #exact()} compares bits (so -0 differs from 0).
 */
public final class Tolerance {

    private final double rtol;
    private final double atol;
    /** Per-element magnitudes, or null. */
    private final double[] magnitudes;
    /** One magnitude for every element, or NaN for |expected|. */
    private final double commonMagnitude;

    private Tolerance(double rtol, double atol, double[] magnitudes, double commonMagnitude) {
        this.rtol = rtol;
        this.atol = atol;
        this.magnitudes = magnitudes;
        this.commonMagnitude = commonMagnitude;
    }

    public static Tolerance exact() {
        return new Tolerance(0, 0, null, Double.NaN);
    }

    /** {@code rtol × |expected|}. */
    public static Tolerance relative(double rtol) {
        return new Tolerance(rtol, 0, null, Double.NaN);
    }

    /** The same, plus an absolute allowance. */
    public Tolerance plus(double absolute) {
        return new Tolerance(rtol, atol + absolute, magnitudes, commonMagnitude);
    }

    /** rtol relative to the given per-element magnitudes instead of |expected|. */
    public Tolerance relativeTo(double[] perElement) {
        return new Tolerance(rtol, atol, perElement.clone(), Double.NaN);
    }

    /** rtol relative to one magnitude for every element (the largest of a tensor, say). */
    public Tolerance relativeTo(double magnitude) {
        return new Tolerance(rtol, atol, null, Math.abs(magnitude));
    }

    public boolean isExact() {
        return rtol == 0 && atol == 0;
    }

    Tolerance times(double factor) {
        return new Tolerance(rtol * factor, atol * factor, magnitudes, commonMagnitude);
    }

    /** The error allowed at element i; infinite where the value is left open. */
    double allowed(int i, double expected) {
        double magnitude = magnitudes != null ? magnitudes[i]
                : !Double.isNaN(commonMagnitude) ? commonMagnitude
                : Math.abs(expected);
        return Double.isInfinite(magnitude) ? Double.POSITIVE_INFINITY : atol + rtol * magnitude;
    }

    /** Whether {@code actual} is close enough to {@code expected} at element i. */
    boolean accepts(int i, double expected, double actual) {
        if (isExact()) {
            return Double.compare(expected, actual) == 0;
        }
        double allowed = allowed(i, expected);
        if (Double.isInfinite(allowed)) {
            return true;
        }
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            return Double.compare(expected, actual) == 0;
        }
        return Math.abs(actual - expected) <= allowed; // false for a NaN actual
    }

    @Override
    public String toString() {
        if (isExact()) {
            return "exact";
        }
        String relativeTo = magnitudes != null ? "the size of its terms"
                : !Double.isNaN(commonMagnitude) ? String.format(Locale.ROOT, "%.3g", commonMagnitude)
                : "|expected|";
        return String.format(Locale.ROOT, "rtol %.2g of %s", rtol, relativeTo)
                + (atol > 0 ? String.format(Locale.ROOT, " + atol %.2g", atol) : "");
    }
}
