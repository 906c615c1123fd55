package dev.kiln.hal.cpu.kernel;

/**
 * Plain double-precision versions of the kernels' math, written for clarity only: one element at a
 * time, straight from the formulas. The kernel tests compare against these and differentiate them
 * numerically.
 */
final class ScalarReference {

    private ScalarReference() {}

    // ---- special functions ----

    /** erf in double: its Maclaurin series below 3, the continued fraction of erfc above. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r = a < 3 ? erfSeries(a) : 1 - erfcContinuedFraction(a);
        return Math.copySign(r, x);
    }

    static double erfc(double x) {
        return x >= 3 ? erfcContinuedFraction(x) : 1 - erf(x);
    }

    private static double erfSeries(double x) {
        // erf x = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return sum * 2 / Math.sqrt(Math.PI);
    }

    private static double erfcContinuedFraction(double x) {
        // erfc x = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up
        double f = x;
        for (int k = 60; k >= 1; k--) {
            f = x + (k / 2.0) / f;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    // ---- activations ----

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double silu(double x) {
        return x * sigmoid(x);
    }

    static double gelu(double x) {
        return x * normalCdf(x);
    }

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    // ---- row-wise ops over an [rows, n] matrix ----

    static double[] rmsNorm(double[] x, double[] w, int n, double eps, double weightOffset) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double ss = 0;
            for (int j = 0; j < n; j++) {
                ss += x[r * n + j] * x[r * n + j];
            }
            double rstd = 1 / Math.sqrt(ss / n + eps);
            for (int j = 0; j < n; j++) {
                y[r * n + j] = x[r * n + j] * rstd * (w[j] + weightOffset);
            }
        }
        return y;
    }

    static double[] layerNorm(double[] x, double[] w, double[] b, int n, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double mean = 0;
            for (int j = 0; j < n; j++) {
                mean += x[r * n + j];
            }
            mean /= n;
            double var = 0;
            for (int j = 0; j < n; j++) {
                var += (x[r * n + j] - mean) * (x[r * n + j] - mean);
            }
            double rstd = 1 / Math.sqrt(var / n + eps);
            for (int j = 0; j < n; j++) {
                y[r * n + j] = (x[r * n + j] - mean) * rstd * w[j] + (b == null ? 0 : b[j]);
            }
        }
        return y;
    }

    static double[] softmax(double[] x, int n) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double lse = logSumExp(x, r * n, n);
            for (int j = 0; j < n; j++) {
                y[r * n + j] = Math.exp(x[r * n + j] - lse);
            }
        }
        return y;
    }

    static double logSumExp(double[] x, int at, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[at + j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += Math.exp(x[at + j] - max);
        }
        return max + Math.log(sum);
    }

    /** Per-row loss of cross-entropy; 0 for ignored rows. */
    static double[] crossEntropy(double[] logits, int vocab, int[] targets, int ignoreIndex) {
        double[] loss = new double[targets.length];
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] != ignoreIndex) {
                loss[r] = logSumExp(logits, r * vocab, vocab) - logits[r * vocab + targets[r]];
            }
        }
        return loss;
    }

    // ---- rotary embeddings ----

    /** Rotates each head's first rotaryDim dims of x [tokens, heads, headDim] by pos * invFreq[i]. */
    static double[] rope(double[] x, int heads, int headDim, int rotaryDim, double[] invFreq, int[] positions,
                         boolean interleaved) {
        double[] y = x.clone();
        int half = rotaryDim / 2;
        for (int t = 0; t < positions.length; t++) {
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    double angle = positions[t] * invFreq[i];
                    int a = interleaved ? base + 2 * i : base + i;
                    int b = interleaved ? base + 2 * i + 1 : base + i + half;
                    y[a] = x[a] * Math.cos(angle) - x[b] * Math.sin(angle);
                    y[b] = x[b] * Math.cos(angle) + x[a] * Math.sin(angle);
                }
            }
        }
        return y;
    }

    // ---- optimizer ----

    /** One AdamW step in double, torch.optim.AdamW's formula; updates the arrays in place. */
    static void adamW(double[] p, double[] g, double[] m, double[] v, double lr, double beta1, double beta2,
                      double eps, double weightDecay, int step) {
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * weightDecay;
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(beta1, step));
            double vHat = v[i] / (1 - Math.pow(beta2, step));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }
}
