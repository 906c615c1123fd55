package dev.kiln.core.generate;

import java.util.Arrays;

/**
 * The steps that turn a model's next-token logits into the distribution a token is drawn from,
 * each with the semantics of its transformers (or OpenAI/vLLM) namesake, in place on one row of
 * logits. Filtered tokens become -infinity. {@link #process} runs them in transformers' order.
 */
public final class LogitsProcessors {

    private LogitsProcessors() {}

    /**
     * All steps: repetition penalty, presence and frequency penalties, then (unless greedy)
     * temperature, top-k, top-p and min-p. Returns {@code logits}, changed.
     *
     * @param context every token the repetition penalty sees: the prompt and the completion so far
     * @param completionCounts how often each token occurs in the completion so far (indexed by
     *     id; may be shorter than the vocabulary), for the presence and frequency penalties
     */
    public static double[] process(double[] logits, SamplingParams p, int[] context, int[] completionCounts) {
        repetitionPenalty(logits, context, p.repetitionPenalty());
        presenceAndFrequencyPenalties(logits, completionCounts, p.presencePenalty(), p.frequencyPenalty());
        if (!p.isGreedy()) {
            temperature(logits, p.temperature());
            topK(logits, p.topK());
            topP(logits, p.topP());
            minP(logits, p.minP());
        }
        return logits;
    }

    /**
     * transformers' RepetitionPenaltyLogitsProcessor: the logit of each distinct token of
     * {@code context} is divided by {@code penalty} when positive, multiplied when negative.
     */
    public static void repetitionPenalty(double[] logits, int[] context, double penalty) {
        if (penalty == 1) {
            return;
        }
        boolean[] done = new boolean[logits.length];
        for (int token : context) {
            if (!done[token]) {
                done[token] = true;
                double v = logits[token];
                logits[token] = v < 0 ? v * penalty : v / penalty;
            }
        }
    }

    /**
     * OpenAI's (and vLLM's) penalties on what the completion already holds: {@code logit -=
     * frequency · count + presence · (count > 0)}.
     */
    public static void presenceAndFrequencyPenalties(double[] logits, int[] counts, double presence,
            double frequency) {
        if (presence == 0 && frequency == 0) {
            return;
        }
        for (int token = 0; token < counts.length; token++) {
            if (counts[token] > 0) {
                logits[token] -= frequency * counts[token] + presence;
            }
        }
    }

    /** transformers' TemperatureLogitsWarper: {@code logits / temperature}. */
    public static void temperature(double[] logits, double temperature) {
        if (temperature == 1) {
            return;
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] /= temperature;
        }
    }

    /**
     * transformers' TopKLogitsWarper: drops every token whose logit is below the k-th largest
     * (ties with it stay). {@code k} of 0, or at least the vocabulary, keeps all.
     */
    public static void topK(double[] logits, int k) {
        if (k <= 0 || k >= logits.length) {
            return;
        }
        double[] sorted = logits.clone();
        Arrays.sort(sorted);
        double kth = sorted[sorted.length - k];
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] < kth) {
                logits[i] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * transformers' TopPLogitsWarper: sorts the tokens by ascending logit and drops those whose
     * cumulative probability is at most {@code 1 - topP}, always keeping the most likely one.
     */
    public static void topP(double[] logits, double topP) {
        if (topP >= 1) {
            return;
        }
        int[] ascending = finiteByAscendingLogit(logits);
        double[] probs = softmax(logits);
        double cumulative = 0;
        for (int rank = 0; rank < ascending.length - 1; rank++) {
            int token = ascending[rank];
            cumulative += probs[token];
            if (cumulative <= 1 - topP) {
                logits[token] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * The tokens with a finite logit (filtered ones add nothing to a cumulative probability),
     * by ascending logit, ties by id. The order is by the F32 value, as PyTorch sorts F32 logits;
     * a primitive sort of packed keys keeps it fast over a 150k vocabulary.
     */
    private static int[] finiteByAscendingLogit(double[] logits) {
        long[] keys = new long[logits.length];
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] != Double.NEGATIVE_INFINITY) {
                int bits = Float.floatToIntBits((float) logits[i]);
                int ordered = bits < 0 ? ~bits : bits | Integer.MIN_VALUE; // unsigned order = float order
                keys[n++] = ((long) (ordered ^ Integer.MIN_VALUE) << 32) | i;
            }
        }
        Arrays.sort(keys, 0, n);
        int[] order = new int[n];
        for (int r = 0; r < n; r++) {
            order[r] = (int) keys[r];
        }
        return order;
    }

    /**
     * transformers' MinPLogitsWarper: drops the tokens whose probability is below
     * {@code minP} times the largest probability, always keeping the most likely one.
     */
    public static void minP(double[] logits, double minP) {
        if (minP <= 0) {
            return;
        }
        double[] probs = softmax(logits);
        int best = argmax(logits);
        double threshold = minP * probs[best];
        for (int i = 0; i < logits.length; i++) {
            if (i != best && probs[i] < threshold) {
                logits[i] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /** Softmax of a row that has at least one finite logit. */
    public static double[] softmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] out = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** Log-softmax of a row that has at least one finite logit. */
    public static double[] logSoftmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logSum;
        }
        return out;
    }

    /** The index of the largest logit; the first of equals, as torch.argmax. */
    public static int argmax(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
