package dev.kiln.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 3.0f, 0.0f, -2.0f, 1.5f};

    @Test
    void drawsTokensAsOftenAsTheirProbability() {
        SamplingParams params = SamplingParams.builder().temperature(0.8).topK(6).topP(0.95).seed(11L).build();
        double[] expected = LogitsProcessors.softmax(LogitsProcessors.process(toDouble(LOGITS), params,
                new int[0], new int[LOGITS.length]));
        TokenSampler sampler = new TokenSampler(params, new int[] {0}, LOGITS.length);
        int draws = 200_000;
        int[] seen = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            seen[sampler.choose(LOGITS, 0, LOGITS.length).token()]++;
        }
        for (int token = 0; token < LOGITS.length; token++) {
            double frequency = (double) seen[token] / draws;
            // five standard deviations of a binomial frequency
            double tolerance = 5 * Math.sqrt(expected[token] * (1 - expected[token]) / draws) + 1e-9;
            assertEquals(expected[token], frequency, tolerance, "token " + token);
        }
        assertEquals(0, seen[3], "top-k dropped it");
        assertEquals(0, seen[6], "top-k dropped it");
    }

    @Test
    void aSeedRepeatsTheDraws() {
        SamplingParams params = SamplingParams.builder().seed(5L).build();
        assertArrayEquals(draws(params), draws(params));
        assertFalse(Arrays.equals(draws(params), draws(params.toBuilder().seed(6L).build())));
    }

    @Test
    void penaltiesSeeThePromptAndTheCompletion() {
        SamplingParams params = SamplingParams.builder().temperature(0).repetitionPenalty(100).build();
        TokenSampler sampler = new TokenSampler(params, new int[] {4}, LOGITS.length);
        assertEquals(0, sampler.choose(LOGITS, 0, LOGITS.length).token(), "token 4 of the prompt is penalized");
        sampler.accept(0);
        assertEquals(7, sampler.choose(LOGITS, 0, LOGITS.length).token(), "and now token 0 of the completion");
    }

    @Test
    void readsItsRowOfABatch() {
        float[] batch = new float[LOGITS.length * 2];
        System.arraycopy(LOGITS, 0, batch, LOGITS.length, LOGITS.length);
        TokenSampler sampler = new TokenSampler(SamplingParams.greedy(), new int[] {0}, LOGITS.length);
        assertEquals(4, sampler.choose(batch, LOGITS.length, LOGITS.length).token());
    }

    private static int[] draws(SamplingParams params) {
        TokenSampler sampler = new TokenSampler(params, new int[] {0}, LOGITS.length);
        int[] tokens = new int[50];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = sampler.choose(LOGITS, 0, LOGITS.length).token();
        }
        return tokens;
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
