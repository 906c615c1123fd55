package dev.kiln.core.generate;

import java.util.Objects;

/** A prompt, as token ids, and how to continue it. */
public record GenerationRequest(int[] promptIds, SamplingParams params) {

    public GenerationRequest {
        Objects.requireNonNull(promptIds, "promptIds");
        Objects.requireNonNull(params, "params");
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("a prompt needs at least one token");
        }
        promptIds = promptIds.clone();
    }

    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }
}
