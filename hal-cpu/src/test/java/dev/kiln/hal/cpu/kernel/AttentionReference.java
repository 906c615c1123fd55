package dev.kiln.hal.cpu.kernel;

/**
 * Attention the slow and obvious way, in double precision: the full score matrix of each
 * (batch, head), a plain softmax, and the textbook gradients. The yardstick for
 * {@link FlashAttention}; same layouts (see {@link AttentionSpec}), all offsets 0.
 */
final class AttentionReference {

    /** O [batch, seqQ, numHeads, headDim] and LSE [batch, numHeads, seqQ]. */
    record Forward(double[] out, double[] lse) {}

    /** dQ in Q's layout, dK and dV in K's. */
    record Gradients(double[] q, double[] k, double[] v) {}

    private AttentionReference() {}

    static Forward forward(AttentionSpec spec, double[] q, double[] k, double[] v, double[] mask) {
        double[] out = new double[q.length];
        double[] lse = new double[spec.batch() * spec.numHeads() * spec.seqQ()];
        int d = spec.headDim();
        for (int b = 0; b < spec.batch(); b++) {
            for (int h = 0; h < spec.numHeads(); h++) {
                double[][] s = scores(spec, q, k, mask, b, h);
                for (int i = 0; i < spec.seqQ(); i++) {
                    lse[(b * spec.numHeads() + h) * spec.seqQ() + i] = logSumExp(s[i]);
                }
                double[][] p = softmax(s);
                int kv = h / spec.groupSize();
                for (int i = 0; i < spec.seqQ(); i++) {
                    for (int j = 0; j < spec.seqK(); j++) {
                        for (int x = 0; x < d; x++) {
                            out[queryIndex(spec, b, i, h, x)] += p[i][j] * v[keyIndex(spec, b, j, kv, x)];
                        }
                    }
                }
            }
        }
        return new Forward(out, lse);
    }

    /** The gradients of {@code sum(outGrad * O)} with respect to Q, K and V. */
    static Gradients backward(AttentionSpec spec, double[] q, double[] k, double[] v, double[] mask,
                              double[] outGrad) {
        double[] dq = new double[q.length];
        double[] dk = new double[k.length];
        double[] dv = new double[v.length];
        int d = spec.headDim();
        double scale = spec.scale();
        for (int b = 0; b < spec.batch(); b++) {
            for (int h = 0; h < spec.numHeads(); h++) {
                int kv = h / spec.groupSize();
                double[][] p = softmax(scores(spec, q, k, mask, b, h));
                for (int i = 0; i < spec.seqQ(); i++) {
                    // dP_ij = dO_i . V_j; dS_ij = P_ij (dP_ij - sum_l P_il dP_il).
                    double[] dp = new double[spec.seqK()];
                    double rowDot = 0;
                    for (int j = 0; j < spec.seqK(); j++) {
                        for (int x = 0; x < d; x++) {
                            dp[j] += outGrad[queryIndex(spec, b, i, h, x)] * v[keyIndex(spec, b, j, kv, x)];
                        }
                        rowDot += p[i][j] * dp[j];
                    }
                    for (int j = 0; j < spec.seqK(); j++) {
                        double ds = p[i][j] * (dp[j] - rowDot);
                        for (int x = 0; x < d; x++) {
                            int qi = queryIndex(spec, b, i, h, x);
                            int kj = keyIndex(spec, b, j, kv, x);
                            dv[kj] += p[i][j] * outGrad[qi];
                            dq[qi] += scale * ds * k[kj];
                            dk[kj] += scale * ds * q[qi];
                        }
                    }
                }
            }
        }
        return new Gradients(dq, dk, dv);
    }

    /** The softmax of each score row, in place; a row of only -inf gives zeros. */
    private static double[][] softmax(double[][] s) {
        for (double[] row : s) {
            double lse = logSumExp(row);
            for (int j = 0; j < row.length; j++) {
                row[j] = lse == Double.NEGATIVE_INFINITY ? 0 : Math.exp(row[j] - lse);
            }
        }
        return s;
    }

    /** The full [seqQ][seqK] score matrix of one (batch, head). */
    private static double[][] scores(AttentionSpec spec, double[] q, double[] k, double[] mask, int b, int h) {
        int kv = h / spec.groupSize();
        double[][] s = new double[spec.seqQ()][spec.seqK()];
        for (int i = 0; i < spec.seqQ(); i++) {
            for (int j = 0; j < spec.seqK(); j++) {
                if (spec.causal() && j > spec.queryOffset() + i) {
                    s[i][j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double dot = 0;
                for (int x = 0; x < spec.headDim(); x++) {
                    dot += q[queryIndex(spec, b, i, h, x)] * k[keyIndex(spec, b, j, kv, x)];
                }
                s[i][j] = spec.scale() * dot + (mask == null ? 0 : mask[(b * spec.seqQ() + i) * spec.seqK() + j]);
            }
        }
        return s;
    }

    private static double logSumExp(double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : row) {
            max = Math.max(max, x);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double x : row) {
            sum += Math.exp(x - max);
        }
        return max + Math.log(sum);
    }

    static int queryIndex(AttentionSpec spec, int b, int i, int h, int x) {
        return ((b * spec.seqQ() + i) * spec.numHeads() + h) * spec.headDim() + x;
    }

    static int keyIndex(AttentionSpec spec, int b, int j, int kv, int x) {
        return ((b * spec.seqK() + j) * spec.numKvHeads() + kv) * spec.headDim() + x;
    }
}
