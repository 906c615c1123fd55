package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.backend.AttentionShape;

/**
 * Scaled-dot-product attention with grouped-query heads, written out with the full score row
 * of each query: {@code s_j = scale q·k_j + mask_j} over the keys j the query may see,
 * {@code lse = log sum exp s_j}, {@code out = sum exp(s_j - lse) v_j}. A query that may see no
 * key (causal and mask together leave every score -infinity) gets out 0 and lse -infinity.
 */
public final class Attention {

    private Attention() {}

    /** Outputs {@code [batch, seqQ, heads, headDim]} and log-sum-exps {@code [batch, heads, seqQ]}. */
    public record Output(double[] out, double[] lse) {}

    /** Gradients in the layouts of q, k and v; k and v positions from seqK on are 0. */
    public record Gradients(double[] dq, double[] dk, double[] dv) {}

    /** @param mask additive {@code [batch, seqQ, seqK]}, or null */
    public static Output forward(AttentionShape s, double[] q, double[] k, double[] v, double[] mask) {
        Layout at = new Layout(s);
        double[] out = new double[(int) s.queryElements()];
        double[] lse = new double[(int) s.lseElements()];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < s.seqQ(); i++) {
                    double[] scores = scores(s, at, q, k, mask, b, h, i);
                    double rowLse = Softmax.logSumExp(scores, 0, s.seqK());
                    lse[at.lse(b, h, i)] = rowLse;
                    if (rowLse == Double.NEGATIVE_INFINITY) {
                        continue; // fully masked: out stays 0
                    }
                    for (int j = 0; j < s.seqK(); j++) {
                        double p = Math.exp(scores[j] - rowLse);
                        for (int d = 0; d < s.headDim(); d++) {
                            out[at.q(b, i, h, d)] += p * v[at.kv(b, j, at.kvHead(h), d)];
                        }
                    }
                }
            }
        }
        return new Output(out, lse);
    }

    /**
     * The gradients for {@code dOut}, from the saved {@code out} and {@code lse} as the forward
     * left them: {@code p_j = exp(s_j - lse)}, {@code dp_j = dOut·v_j},
     * {@code ds_j = p_j (dp_j - dOut·out)}; {@code dq = scale sum ds_j k_j},
     * {@code dk_j = scale sum ds_j q}, {@code dv_j = sum p_j dOut}, summed over the query heads
     * that share a kv head. Rows with lse -infinity contribute nothing.
     */
    public static Gradients backward(AttentionShape s, double[] q, double[] k, double[] v, double[] mask,
            double[] out, double[] lse, double[] dOut) {
        Layout at = new Layout(s);
        double[] dq = new double[(int) s.queryElements()];
        double[] dk = new double[(int) s.keyElements()];
        double[] dv = new double[(int) s.keyElements()];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                int g = at.kvHead(h);
                for (int i = 0; i < s.seqQ(); i++) {
                    double rowLse = lse[at.lse(b, h, i)];
                    if (rowLse == Double.NEGATIVE_INFINITY) {
                        continue;
                    }
                    double[] scores = scores(s, at, q, k, mask, b, h, i);
                    double dOutDotOut = 0;
                    for (int d = 0; d < s.headDim(); d++) {
                        dOutDotOut += dOut[at.q(b, i, h, d)] * out[at.q(b, i, h, d)];
                    }
                    for (int j = 0; j < s.seqK(); j++) {
                        double p = Math.exp(scores[j] - rowLse);
                        double dp = 0;
                        for (int d = 0; d < s.headDim(); d++) {
                            dp += dOut[at.q(b, i, h, d)] * v[at.kv(b, j, g, d)];
                        }
                        double ds = p * (dp - dOutDotOut);
                        for (int d = 0; d < s.headDim(); d++) {
                            dq[at.q(b, i, h, d)] += s.scale() * ds * k[at.kv(b, j, g, d)];
                            dk[at.kv(b, j, g, d)] += s.scale() * ds * q[at.q(b, i, h, d)];
                            dv[at.kv(b, j, g, d)] += p * dOut[at.q(b, i, h, d)];
                        }
                    }
                }
            }
        }
        return new Gradients(dq, dk, dv);
    }

    /** The scores of query i of head h against keys 0 .. seqK-1; -infinity where it may not look. */
    private static double[] scores(AttentionShape s, Layout at, double[] q, double[] k, double[] mask,
            int b, int h, int i) {
        double[] scores = new double[s.seqK()];
        for (int j = 0; j < s.seqK(); j++) {
            if (s.causal() && j > s.queryOffset() + i) {
                scores[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            double dot = 0;
            for (int d = 0; d < s.headDim(); d++) {
                dot += q[at.q(b, i, h, d)] * k[at.kv(b, j, at.kvHead(h), d)];
            }
            scores[j] = s.scale() * dot + (mask == null ? 0 : mask[at.mask(b, i, j)]);
        }
        return scores;
    }

    /** Index arithmetic of the layouts {@link AttentionShape} defines. */
    public record Layout(AttentionShape s) {

        public int q(int b, int i, int h, int d) {
            return ((b * s.seqQ() + i) * s.heads() + h) * s.headDim() + d;
        }

        public int kv(int b, int j, int g, int d) {
            return ((b * s.kvCapacity() + j) * s.kvHeads() + g) * s.headDim() + d;
        }

        public int lse(int b, int h, int i) {
            return (b * s.heads() + h) * s.seqQ() + i;
        }

        public int mask(int b, int i, int j) {
            return (b * s.seqQ() + i) * s.seqK() + j;
        }

        public int kvHead(int h) {
            return h / (s.heads() / s.kvHeads());
        }
    }
}
