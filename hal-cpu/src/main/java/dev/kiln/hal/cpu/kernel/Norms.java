package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * RMSNorm and LayerNorm over the last dimension of an [*, n] matrix, forward and backward, for the
 * rows [rowFrom, rowTo) (row 0 starts at each array's offset; per-row statistics are indexed by
 * row too).
 *
 * <p>The forward saves per-row statistics (rstd, and the mean for LayerNorm) for the backward; pass
 * null for them where no backward follows. The weight and bias gradients are sums over rows, so
 * the backward adds its range's share into caller-owned partial buffers of n floats (zero them
 * first); {@link Reductions#accumulatePartials} then sums the partials of all ranges in a fixed
 * order. A null partial buffer skips that gradient (a frozen weight). dx may alias dy, and y may
 * alias x.
 */
public final class Norms {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** The mask of full vectors: the same step code serves the main loop and the masked tail. */
    private static final VectorMask<Float> ALL = F.maskAll(true);

    private Norms() {}

    // ---------------------------------------------------------------------------------------------
    // RMSNorm: y = x * rstd * (w + weightOffset), rstd = 1 / sqrt(mean(x^2) + eps)
    // ---------------------------------------------------------------------------------------------

    /**
     * RMSNorm forward. {@code weightOffset} is 0 for the usual weight, 1 for Gemma's {@code (1 + w)}.
     * {@code rstd} (one float per row) may be null.
     */
    public static void rmsNorm(float[] x, int xOff, float[] weight, int weightOff, float[] y, int yOff,
                               float[] rstd, int rstdOff, int n, float eps, float weightOffset,
                               int rowFrom, int rowTo) {
        String op = "rmsNorm";
        checkRows(op, n, rowFrom, rowTo);
        checkEps(op, eps);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.span(op, "weight", weight, weightOff, n);
        ArgChecks.rows(op, "y", y, yOff, rowTo, n);
        if (rstd != null) {
            ArgChecks.span(op, "rstd", rstd, rstdOff, rowTo);
        }
        for (int r = rowFrom; r < rowTo; r++) {
            int xr = xOff + r * n;
            int yr = yOff + r * n;
            float rs = reciprocalRoot(sumOfSquares(x, xr, n) / n, eps);
            if (rstd != null) {
                rstd[rstdOff + r] = rs;
            }
            int j = 0;
            for (int bound = F.loopBound(n); j < bound; j += L) {
                rmsNormStep(x, xr + j, weight, weightOff + j, weightOffset, y, yr + j, rs, ALL);
            }
            if (j < n) {
                rmsNormStep(x, xr + j, weight, weightOff + j, weightOffset, y, yr + j, rs, F.indexInRange(j, n));
            }
        }
    }

    /** One vector of y = (x * rstd) * (w + weightOffset), in the order Hugging Face's Llama rounds it. */
    private static void rmsNormStep(float[] x, int xAt, float[] w, int wAt, float weightOffset, float[] y, int yAt,
                                    float rs, VectorMask<Float> m) {
        FloatVector weight = FloatVector.fromArray(F, w, wAt, m).add(weightOffset);
        FloatVector.fromArray(F, x, xAt, m).mul(rs).mul(weight).intoArray(y, yAt, m);
    }

    /**
     * RMSNorm backward from the forward's x and saved rstd: with xhat = x * rstd and
     * g = dy * (w + weightOffset), dx = rstd * (g - xhat * mean(g * xhat)); dWeight += dy * xhat.
     */
    public static void rmsNormBackward(float[] x, int xOff, float[] weight, int weightOff, float[] rstd, int rstdOff,
                                       float[] dy, int dyOff, float[] dx, int dxOff,
                                       float[] dWeightPartial, int dWeightOff,
                                       int n, float weightOffset, int rowFrom, int rowTo) {
        String op = "rmsNormBackward";
        checkRows(op, n, rowFrom, rowTo);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.span(op, "weight", weight, weightOff, n);
        ArgChecks.span(op, "rstd", rstd, rstdOff, rowTo);
        ArgChecks.rows(op, "dy", dy, dyOff, rowTo, n);
        ArgChecks.rows(op, "dx", dx, dxOff, rowTo, n);
        if (dWeightPartial != null) {
            ArgChecks.span(op, "dWeightPartial", dWeightPartial, dWeightOff, n);
        }
        for (int r = rowFrom; r < rowTo; r++) {
            int xr = xOff + r * n;
            int dyr = dyOff + r * n;
            int dxr = dxOff + r * n;
            float rs = rstd[rstdOff + r];
            // mean(g * xhat) = rstd * sum(dy * w * x) / n
            float c = rs * dotWeighted(dy, dyr, weight, weightOff, weightOffset, x, xr, n) / n;
            int j = 0;
            for (int bound = F.loopBound(n); j < bound; j += L) {
                rmsBackwardStep(x, xr + j, weight, weightOff + j, weightOffset, dy, dyr + j, dx, dxr + j,
                        dWeightPartial, dWeightOff + j, rs, c, ALL);
            }
            if (j < n) {
                rmsBackwardStep(x, xr + j, weight, weightOff + j, weightOffset, dy, dyr + j, dx, dxr + j,
                        dWeightPartial, dWeightOff + j, rs, c, F.indexInRange(j, n));
            }
        }
    }

    /** One vector of the RMSNorm backward: dx = rstd (g - xhat c), dWeight += dy xhat. */
    private static void rmsBackwardStep(float[] x, int xAt, float[] w, int wAt, float weightOffset,
                                        float[] dy, int dyAt, float[] dx, int dxAt, float[] dw, int dwAt,
                                        float rs, float c, VectorMask<Float> m) {
        FloatVector xhat = FloatVector.fromArray(F, x, xAt, m).mul(rs);
        FloatVector d = FloatVector.fromArray(F, dy, dyAt, m);
        FloatVector g = d.mul(FloatVector.fromArray(F, w, wAt, m).add(weightOffset));
        g.sub(xhat.mul(c)).mul(rs).intoArray(dx, dxAt, m);
        if (dw != null) {
            FloatVector.fromArray(F, dw, dwAt, m).add(d.mul(xhat)).intoArray(dw, dwAt, m);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // LayerNorm: y = (x - mean) * rstd * w + b, rstd = 1 / sqrt(var + eps), var biased
    // ---------------------------------------------------------------------------------------------

    /** LayerNorm forward; {@code bias} may be null (no bias), {@code mean} and {@code rstd} may be null. */
    public static void layerNorm(float[] x, int xOff, float[] weight, int weightOff, float[] bias, int biasOff,
                                 float[] y, int yOff, float[] mean, int meanOff, float[] rstd, int rstdOff,
                                 int n, float eps, int rowFrom, int rowTo) {
        String op = "layerNorm";
        checkRows(op, n, rowFrom, rowTo);
        checkEps(op, eps);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.span(op, "weight", weight, weightOff, n);
        if (bias != null) {
            ArgChecks.span(op, "bias", bias, biasOff, n);
        }
        ArgChecks.rows(op, "y", y, yOff, rowTo, n);
        if (mean != null) {
            ArgChecks.span(op, "mean", mean, meanOff, rowTo);
        }
        if (rstd != null) {
            ArgChecks.span(op, "rstd", rstd, rstdOff, rowTo);
        }
        for (int r = rowFrom; r < rowTo; r++) {
            int xr = xOff + r * n;
            int yr = yOff + r * n;
            float mu = Reductions.sumOfSpan(x, xr, n) / n;
            // Two passes: the variance of centred values does not cancel the way E[x^2] - mean^2 does.
            float rs = reciprocalRoot(centredSumOfSquares(x, xr, n, mu) / n, eps);
            if (mean != null) {
                mean[meanOff + r] = mu;
            }
            if (rstd != null) {
                rstd[rstdOff + r] = rs;
            }
            int j = 0;
            for (int bound = F.loopBound(n); j < bound; j += L) {
                layerNormStep(x, xr + j, weight, weightOff + j, bias, biasOff + j, y, yr + j, mu, rs, ALL);
            }
            if (j < n) {
                layerNormStep(x, xr + j, weight, weightOff + j, bias, biasOff + j, y, yr + j, mu, rs,
                        F.indexInRange(j, n));
            }
        }
    }

    private static void layerNormStep(float[] x, int xAt, float[] w, int wAt, float[] b, int bAt,
                                      float[] y, int yAt, float mu, float rs, VectorMask<Float> m) {
        FloatVector out = FloatVector.fromArray(F, x, xAt, m).sub(mu).mul(rs).mul(FloatVector.fromArray(F, w, wAt, m));
        if (b != null) {
            out = out.add(FloatVector.fromArray(F, b, bAt, m));
        }
        out.intoArray(y, yAt, m);
    }

    /**
     * LayerNorm backward from the forward's x and saved mean and rstd: with xhat = (x - mean) * rstd
     * and g = dy * w, dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); dWeight += dy * xhat,
     * dBias += dy.
     */
    public static void layerNormBackward(float[] x, int xOff, float[] weight, int weightOff,
                                         float[] mean, int meanOff, float[] rstd, int rstdOff,
                                         float[] dy, int dyOff, float[] dx, int dxOff,
                                         float[] dWeightPartial, int dWeightOff, float[] dBiasPartial, int dBiasOff,
                                         int n, int rowFrom, int rowTo) {
        String op = "layerNormBackward";
        checkRows(op, n, rowFrom, rowTo);
        ArgChecks.rows(op, "x", x, xOff, rowTo, n);
        ArgChecks.span(op, "weight", weight, weightOff, n);
        ArgChecks.span(op, "mean", mean, meanOff, rowTo);
        ArgChecks.span(op, "rstd", rstd, rstdOff, rowTo);
        ArgChecks.rows(op, "dy", dy, dyOff, rowTo, n);
        ArgChecks.rows(op, "dx", dx, dxOff, rowTo, n);
        if (dWeightPartial != null) {
            ArgChecks.span(op, "dWeightPartial", dWeightPartial, dWeightOff, n);
        }
        if (dBiasPartial != null) {
            ArgChecks.span(op, "dBiasPartial", dBiasPartial, dBiasOff, n);
        }
        for (int r = rowFrom; r < rowTo; r++) {
            int xr = xOff + r * n;
            int dyr = dyOff + r * n;
            int dxr = dxOff + r * n;
            float mu = mean[meanOff + r];
            float rs = rstd[rstdOff + r];
            // Both row means of the formula in one pass: sum(g) and sum(g * xhat).
            FloatVector sumG = FloatVector.zero(F);
            FloatVector sumGXhat = FloatVector.zero(F);
            int j = 0;
            for (int bound = F.loopBound(n); j < bound; j += L) {
                FloatVector g = FloatVector.fromArray(F, dy, dyr + j).mul(FloatVector.fromArray(F, weight, weightOff + j));
                FloatVector xhat = FloatVector.fromArray(F, x, xr + j).sub(mu).mul(rs);
                sumG = sumG.add(g);
                sumGXhat = g.fma(xhat, sumGXhat);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector g = FloatVector.fromArray(F, dy, dyr + j, m)
                        .mul(FloatVector.fromArray(F, weight, weightOff + j, m));
                FloatVector xhat = FloatVector.fromArray(F, x, xr + j, m).sub(mu, m).mul(rs);
                sumG = sumG.add(g);
                sumGXhat = g.fma(xhat, sumGXhat);
            }
            float meanG = Lanes.sum(sumG) / n;
            float meanGXhat = Lanes.sum(sumGXhat) / n;
            j = 0;
            for (int bound = F.loopBound(n); j < bound; j += L) {
                layerNormBackwardStep(x, xr + j, weight, weightOff + j, dy, dyr + j, dx, dxr + j,
                        dWeightPartial, dWeightOff + j, dBiasPartial, dBiasOff + j, mu, rs, meanG, meanGXhat, ALL);
            }
            if (j < n) {
                layerNormBackwardStep(x, xr + j, weight, weightOff + j, dy, dyr + j, dx, dxr + j,
                        dWeightPartial, dWeightOff + j, dBiasPartial, dBiasOff + j, mu, rs, meanG, meanGXhat,
                        F.indexInRange(j, n));
            }
        }
    }

    /** One vector of the LayerNorm backward: dx = rstd (g - mean(g) - xhat mean(g xhat)), dw += dy xhat, db += dy. */
    private static void layerNormBackwardStep(float[] x, int xAt, float[] w, int wAt, float[] dy, int dyAt,
                                              float[] dx, int dxAt, float[] dw, int dwAt, float[] db, int dbAt,
                                              float mu, float rs, float meanG, float meanGXhat, VectorMask<Float> m) {
        FloatVector d = FloatVector.fromArray(F, dy, dyAt, m);
        FloatVector g = d.mul(FloatVector.fromArray(F, w, wAt, m));
        FloatVector xhat = FloatVector.fromArray(F, x, xAt, m).sub(mu).mul(rs);
        g.sub(meanG).sub(xhat.mul(meanGXhat)).mul(rs).intoArray(dx, dxAt, m);
        if (dw != null) {
            FloatVector.fromArray(F, dw, dwAt, m).add(d.mul(xhat)).intoArray(dw, dwAt, m);
        }
        if (db != null) {
            FloatVector.fromArray(F, db, dbAt, m).add(d).intoArray(db, dbAt, m);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static void checkRows(String op, int n, int rowFrom, int rowTo) {
        ArgChecks.positive(op, "n", n);
        ArgChecks.range(op, "row", rowFrom, rowTo);
    }

    private static void checkEps(String op, float eps) {
        if (!(eps >= 0f) || Float.isInfinite(eps)) {
            throw ArgChecks.fail(op, "eps must be finite and non-negative, was " + eps);
        }
    }

    /** 1 / sqrt(meanSquare + eps), rounded once from double. */
    private static float reciprocalRoot(float meanSquare, float eps) {
        return (float) (1.0 / Math.sqrt((double) (meanSquare + eps)));
    }

    private static float sumOfSquares(float[] x, int at, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, x, at + j);
            acc = v.fma(v, acc);
        }
        if (j < n) {
            FloatVector v = FloatVector.fromArray(F, x, at + j, F.indexInRange(j, n));
            acc = v.fma(v, acc);
        }
        return Lanes.sum(acc);
    }

    private static float centredSumOfSquares(float[] x, int at, int n, float mu) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, x, at + j).sub(mu);
            acc = v.fma(v, acc);
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            // masked-off lanes must add 0, not mu^2
            FloatVector v = FloatVector.fromArray(F, x, at + j, m).sub(mu, m);
            acc = v.fma(v, acc);
        }
        return Lanes.sum(acc);
    }

    /** sum_j dy_j (w_j + weightOffset) x_j over one row. */
    private static float dotWeighted(float[] dy, int dyAt, float[] w, int wAt, float weightOffset,
                                     float[] x, int xAt, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            acc = dotWeightedStep(dy, dyAt + j, w, wAt + j, weightOffset, x, xAt + j, acc, ALL);
        }
        if (j < n) {
            acc = dotWeightedStep(dy, dyAt + j, w, wAt + j, weightOffset, x, xAt + j, acc, F.indexInRange(j, n));
        }
        return Lanes.sum(acc);
    }

    private static FloatVector dotWeightedStep(float[] dy, int dyAt, float[] w, int wAt, float weightOffset,
                                               float[] x, int xAt, FloatVector acc, VectorMask<Float> m) {
        FloatVector g = FloatVector.fromArray(F, dy, dyAt, m).mul(FloatVector.fromArray(F, w, wAt, m).add(weightOffset));
        return g.fma(FloatVector.fromArray(F, x, xAt, m), acc);
    }
}
