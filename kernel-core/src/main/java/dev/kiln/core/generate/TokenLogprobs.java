package dev.kiln.core.generate;

import java.util.List;

/**
 * The chosen token of one step with its log-probability, and the most likely tokens of that step
 * (most likely first), as the OpenAI API's {@code logprobs} and {@code top_logprobs}.
 */
public record TokenLogprobs(Logprob chosen, List<Logprob> top) {

    public TokenLogprobs {
        top = List.copyOf(top);
    }
}
