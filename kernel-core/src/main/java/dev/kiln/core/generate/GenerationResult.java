package dev.kiln.core.generate;

import java.util.List;

/**
 * One completion.
 *
 * @param tokenIds the generated ids, the stop token that ended it included (as vLLM)
 * @param text their text, without stop token and stop string (as OpenAI), special tokens skipped
 * @param promptTokens the prompt's length in tokens
 * @param completionTokens {@code tokenIds.length}
 * @param logprobs one per generated token when requested, else empty
 */
public record GenerationResult(int[] tokenIds, String text, FinishReason finishReason,
        int promptTokens, int completionTokens, List<TokenLogprobs> logprobs) {

    public GenerationResult {
        tokenIds = tokenIds.clone();
        logprobs = List.copyOf(logprobs);
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }
}
