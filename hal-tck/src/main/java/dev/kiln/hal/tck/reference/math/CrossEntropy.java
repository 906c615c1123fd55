package dev.kiln.hal.tck.reference.math;

/** Cross-entropy of logits against target ids, through log-softmax, and its gradient. */
public final class CrossEntropy {

    private CrossEntropy() {}

    /** Per row: the loss {@code lse - logit[target]} and the lse; both 0 on ignored rows. */
    public record Losses(double[] losses, double[] lse) {}

    /** @throws IllegalArgumentException for a target outside the vocabulary that is not ignored */
    public static Losses forward(double[] logits, int[] targets, int rows, int vocab, int ignoreIndex) {
        double[] losses = new double[rows];
        double[] lse = new double[rows];
        for (int r = 0; r < rows; r++) {
            if (targets[r] == ignoreIndex) {
                continue;
            }
            requireInVocabulary(targets[r], vocab, r);
            lse[r] = Softmax.logSumExp(logits, r * vocab, vocab);
            losses[r] = lse[r] - logits[r * vocab + targets[r]];
        }
        return new Losses(losses, lse);
    }

    /**
     * {@code (exp(logit - lse) - onehot(target)) gradScale} from the saved lse; 0 on ignored
     * rows.
     */
    public static double[] backward(double[] logits, int[] targets, double[] lse, int rows, int vocab,
            int ignoreIndex, double gradScale) {
        double[] dLogits = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            if (targets[r] == ignoreIndex) {
                continue;
            }
            requireInVocabulary(targets[r], vocab, r);
            for (int c = 0; c < vocab; c++) {
                double oneHot = c == targets[r] ? 1 : 0;
                dLogits[r * vocab + c] = (Math.exp(logits[r * vocab + c] - lse[r]) - oneHot) * gradScale;
            }
        }
        return dLogits;
    }

    private static void requireInVocabulary(int target, int vocab, int row) {
        if (target < 0 || target >= vocab) {
            throw new IllegalArgumentException("crossEntropy: target " + target + " of row " + row
                    + " is outside the vocabulary of " + vocab);
        }
    }
}
