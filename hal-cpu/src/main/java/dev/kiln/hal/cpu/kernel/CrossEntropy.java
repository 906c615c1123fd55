package dev.kiln.hal.cpu.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cross-entropy fused with log-softmax over a vocabulary, for rows [rowFrom, rowTo) of a
 * [tokens, vocab] logits matrix: loss = logsumexp(logits) - logits[target].
 *
 * <p>The logsumexp is computed online over vocabulary chunks small enough to stay in L1 (the max
 * of a chunk, then its exponentials against the running max), so the logits are read from memory
 * once and never copied. Rows whose target is the ignore index get loss 0 and a zero gradient and
 * are not counted. The backward writes (softmax - onehot) * gradScale, and may write it over the
 * logits themselves to save a [tokens, vocab] buffer.
 */
public final class CrossEntropy {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorMask<Float> ALL = F.maskAll(true);

    /** Vocabulary entries per chunk: 8 KiB, read twice from L1 by the forward. */
    private static final int CHUNK = 2048;

    private CrossEntropy() {}

    /**
     * Per-row loss and logsumexp for rows [rowFrom, rowTo); returns how many of them count (target
     * not {@code ignoreIndex}). For an ignored row, loss and lse are 0. The mean loss over all rows
     * is the sum of losses over the sum of counts.
     */
    public static int crossEntropy(float[] logits, int logitsOff, int vocab, int[] targets, int targetsOff,
                                   int ignoreIndex, float[] loss, int lossOff, float[] lse, int lseOff,
                                   int rowFrom, int rowTo) {
        String op = "crossEntropy";
        checkCommon(op, logits, logitsOff, vocab, targets, targetsOff, ignoreIndex, rowFrom, rowTo);
        ArgChecks.span(op, "loss", loss, lossOff, rowTo);
        ArgChecks.span(op, "lse", lse, lseOff, rowTo);
        int counted = 0;
        for (int r = rowFrom; r < rowTo; r++) {
            int target = targets[targetsOff + r];
            if (target == ignoreIndex) {
                loss[lossOff + r] = 0f;
                lse[lseOff + r] = 0f;
                continue;
            }
            int row = logitsOff + r * vocab;
            double logSumExp = logSumExp(logits, row, vocab);
            lse[lseOff + r] = (float) logSumExp;
            loss[lossOff + r] = (float) (logSumExp - logits[row + target]);
            counted++;
        }
        return counted;
    }

    /**
     * dLogits[r, j] = (softmax(logits[r])_j - [j == target]) * gradScale, from the forward's lse;
     * zero for ignored rows. For the mean loss, gradScale = upstream gradient / counted rows.
     * dLogits may be the logits array itself at the same offset.
     */
    public static void crossEntropyBackward(float[] logits, int logitsOff, int vocab, int[] targets, int targetsOff,
                                            int ignoreIndex, float[] lse, int lseOff, float gradScale,
                                            float[] dLogits, int dLogitsOff, int rowFrom, int rowTo) {
        String op = "crossEntropyBackward";
        checkCommon(op, logits, logitsOff, vocab, targets, targetsOff, ignoreIndex, rowFrom, rowTo);
        ArgChecks.span(op, "lse", lse, lseOff, rowTo);
        ArgChecks.finite(op, "gradScale", gradScale);
        ArgChecks.rows(op, "dLogits", dLogits, dLogitsOff, rowTo, vocab);
        for (int r = rowFrom; r < rowTo; r++) {
            int target = targets[targetsOff + r];
            int in = logitsOff + r * vocab;
            int out = dLogitsOff + r * vocab;
            if (target == ignoreIndex) {
                Arrays.fill(dLogits, out, out + vocab, 0f);
                continue;
            }
            float rowLse = lse[lseOff + r];
            // Read before the row is overwritten (dLogits may be logits): softmax_t - 1 = expm1(z_t - lse)
            // keeps its digits when the model is confident and softmax_t is close to 1.
            float targetGrad = (float) (StrictMath.expm1((double) logits[in + target] - rowLse) * gradScale);
            int j = 0;
            for (int bound = F.loopBound(vocab); j < bound; j += L) {
                softmaxGradStep(logits, in + j, rowLse, gradScale, dLogits, out + j, ALL);
            }
            if (j < vocab) {
                softmaxGradStep(logits, in + j, rowLse, gradScale, dLogits, out + j, F.indexInRange(j, vocab));
            }
            dLogits[out + target] = targetGrad;
        }
    }

    /** exp(z - lse) * gradScale for one vector of logits z. */
    private static void softmaxGradStep(float[] logits, int at, float lse, float gradScale, float[] out, int outAt,
                                        VectorMask<Float> m) {
        VectorExp.exp(FloatVector.fromArray(F, logits, at, m).sub(lse)).mul(gradScale)
                .intoArray(out, outAt, m);
    }

    /** log sum_j exp(x[at + j]) over n entries, chunk by chunk against a running max. */
    private static double logSumExp(float[] x, int at, int n) {
        float runningMax = Float.NEGATIVE_INFINITY;
        double sum = 0.0;
        for (int c = 0; c < n; c += CHUNK) {
            int len = Math.min(CHUNK, n - c);
            float chunkMax = Reductions.maxOfSpan(x, at + c, len);
            if (chunkMax > runningMax) {
                // earlier terms were exponentiated against a smaller max: rescale them
                sum *= StrictMath.exp((double) runningMax - chunkMax);
                runningMax = chunkMax;
            } else if (Float.isNaN(chunkMax)) {
                return Double.NaN;
            }
            if (runningMax == Float.NEGATIVE_INFINITY) {
                continue; // every entry so far is -inf (masked out): each adds exp(-inf) = 0
            }
            sum += Softmax.expShiftedInto(x, at + c, runningMax, null, 0, len);
        }
        return runningMax + StrictMath.log(sum);
    }

    private static void checkCommon(String op, float[] logits, int logitsOff, int vocab, int[] targets,
                                    int targetsOff, int ignoreIndex, int rowFrom, int rowTo) {
        ArgChecks.positive(op, "vocab", vocab);
        ArgChecks.range(op, "row", rowFrom, rowTo);
        ArgChecks.rows(op, "logits", logits, logitsOff, rowTo, vocab);
        ArgChecks.span(op, "targets", targets, targetsOff, rowTo);
        for (int r = rowFrom; r < rowTo; r++) {
            int t = targets[targetsOff + r];
            if (t != ignoreIndex && (t < 0 || t >= vocab)) {
                throw ArgChecks.fail(op, "target of row " + r + " is " + t + ", outside [0, " + vocab
                        + ") and not the ignore index " + ignoreIndex);
            }
        }
    }
}
