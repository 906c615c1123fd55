package dev.kiln.core.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses one sequence's next tokens: processes the logits ({@link LogitsProcessors#process})
 * and takes the most likely token (greedy) or draws one from the resulting distribution with a
 * generator seeded per sequence, so a seeded request repeats exactly, alone or in a batch.
 */
final class TokenSampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private int[] context;
    private int contextLength;
    private final int[] completionCounts;

    TokenSampler(SamplingParams params, int[] prompt, int vocabSize) {
        this.params = params;
        this.random = params.seed() != null ? new SplittableRandom(params.seed()) : new SplittableRandom();
        this.context = Arrays.copyOf(prompt, prompt.length + 16);
        this.contextLength = prompt.length;
        this.completionCounts = new int[vocabSize];
    }

    /**
     * The next token from the logits {@code logits[offset, offset + vocab)}, with its
     * log-probabilities when requested (else null).
     */
    Choice choose(float[] logits, int offset, int vocab) {
        double[] raw = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            raw[i] = logits[offset + i];
        }
        double[] processed = LogitsProcessors.process(raw.clone(), params,
                Arrays.copyOf(context, contextLength), completionCounts);
        int token = params.isGreedy() ? LogitsProcessors.argmax(processed) : draw(processed);
        return new Choice(token, params.logprobs() ? logprobs(raw, token) : null);
    }

    /** Records the token the sequence went on with. */
    void accept(int token) {
        if (contextLength == context.length) {
            context = Arrays.copyOf(context, context.length * 2);
        }
        context[contextLength++] = token;
        completionCounts[token]++;
    }

    private int draw(double[] processed) {
        double[] probs = LogitsProcessors.softmax(processed);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cumulative += probs[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    private TokenLogprobs logprobs(double[] raw, int token) {
        double[] logprobs = LogitsProcessors.logSoftmax(raw);
        return new TokenLogprobs(new Logprob(token, logprobs[token]), mostLikely(logprobs, params.topLogprobs()));
    }

    /** The {@code n} largest log-probabilities, largest first, ties by id: one pass, as n is small. */
    private static List<Logprob> mostLikely(double[] logprobs, int n) {
        int[] best = new int[n];
        int size = 0;
        for (int i = 0; i < logprobs.length; i++) {
            if (size == n && (n == 0 || logprobs[i] <= logprobs[best[n - 1]])) {
                continue;
            }
            int at = size < n ? size++ : n - 1;
            while (at > 0 && logprobs[best[at - 1]] < logprobs[i]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        List<Logprob> top = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            top.add(new Logprob(best[r], logprobs[best[r]]));
        }
        return top;
    }

    /** A chosen token; {@code logprobs} is null unless they were requested. */
    record Choice(int token, TokenLogprobs logprobs) {}
}
