package dev.kiln.serving.openai;

import dev.kiln.core.generate.SamplingParams;
import dev.kiln.serving.http.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The sampling fields of a chat or completions request, checked as OpenAI checks them: {@code n},
 * {@code temperature}, {@code top_p}, {@code max_tokens} (or {@code max_completion_tokens}),
 * {@code stop}, {@code seed}, {@code presence_penalty}, {@code frequency_penalty},
 * {@code logprobs} and {@code top_logprobs}, {@code stream} and {@code stream_options}; with
 * vLLM's extras {@code top_k}, {@code min_p}, {@code repetition_penalty} and
 * {@code ignore_eos}. Turned into one {@link SamplingParams} per choice for a prompt of a given
 * length: choice i of a seeded request is seeded {@code seed + i}, as vLLM seeds its choices.
 */
final class SamplingRequest {

    /** The most stop strings a request may give (OpenAI allows 4; vLLM more). */
    private static final int MOST_STOPS = 16;

    /** Whether the request is a chat (logprobs a boolean, top_logprobs beside it) or a legacy completion. */
    enum Kind { CHAT, COMPLETION }

    final int n;
    final boolean stream;
    final boolean includeUsage;
    /** Whether log-probabilities were asked for, and how many alternatives per token. */
    final boolean logprobs;
    final int topLogprobs;
    private final Integer maxTokens;
    private final String maxTokensParam;
    private final Long seed;
    private final SamplingParams.Builder base;

    SamplingRequest(Fields f, Kind kind, SamplingParams defaults, int maxChoices) {
        n = f.integer("n", 1, Integer.MAX_VALUE).orElse(1);
        if (n > maxChoices) {
            throw ApiError.badRequest("Invalid 'n': " + n + " choices do not fit this server's "
                    + maxChoices + " sequences at once (--max_num_seqs).", "n");
        }
        stream = f.bool("stream").orElse(false);
        if (f.has("stream_options") && !stream) {
            throw ApiError.badRequest("Invalid 'stream_options': only allowed when 'stream' is true.",
                    "stream_options");
        }
        includeUsage = f.has("stream_options")
                && Fields.of(f.node("stream_options"), "stream_options").bool("include_usage").orElse(false);
        if (kind == Kind.CHAT) {
            logprobs = f.bool("logprobs").orElse(false);
            OptionalInt top = f.integer("top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
            if (top.isPresent() && !logprobs) {
                throw ApiError.badRequest("Invalid 'top_logprobs': 'logprobs' must be true to use it.",
                        "top_logprobs");
            }
            topLogprobs = top.orElse(0);
        } else {
            OptionalInt count = f.integer("logprobs", 0, 5);
            logprobs = count.isPresent();
            topLogprobs = count.orElse(0);
        }
        maxTokensParam = f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        OptionalInt max = f.integer(maxTokensParam, 1, Integer.MAX_VALUE);
        maxTokens = max.isPresent() ? max.getAsInt() : kind == Kind.COMPLETION ? 16 : null;
        OptionalLong s = f.longInteger("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        seed = s.isPresent() ? s.getAsLong() : null;

        base = defaults.toBuilder().logprobs(logprobs).topLogprobs(topLogprobs);
        f.number("temperature", 0, 2).ifPresent(base::temperature);
        OptionalDouble topP = f.number("top_p", 0, 1);
        // top_p 0 keeps only the most likely token; SamplingParams wants it positive
        topP.ifPresent(p -> base.topP(p == 0 ? Double.MIN_VALUE : p));
        f.number("presence_penalty", -2, 2).ifPresent(base::presencePenalty);
        f.number("frequency_penalty", -2, 2).ifPresent(base::frequencyPenalty);
        f.integer("top_k", -1, Integer.MAX_VALUE).ifPresent(base::topK);
        f.number("min_p", 0, 1).ifPresent(base::minP);
        f.number("repetition_penalty", Double.MIN_VALUE, Double.MAX_VALUE).ifPresent(base::repetitionPenalty);
        f.bool("ignore_eos").ifPresent(base::ignoreEos);
        List<String> stops = f.strings("stop", MOST_STOPS);
        if (!stops.isEmpty()) {
            base.stopStrings(stops);
        }
    }

    /**
     * The parameters of each choice for a prompt of {@code promptLength} tokens.
     *
     * @throws ApiError 400 {@code context_length_exceeded} when prompt and completion do not
     *     fit {@code maxModelLength}
     */
    List<SamplingParams> choices(int promptLength, int maxModelLength, String promptParam) {
        int completion = maxTokens != null ? maxTokens : maxModelLength - promptLength;
        if (completion < 1 || (long) promptLength + completion > maxModelLength) {
            throw ApiError.badRequest("This model's maximum context length is " + maxModelLength
                    + " tokens. However, you requested " + ((long) promptLength + Math.max(completion, 1))
                    + " tokens (" + promptLength + " in the " + promptParam + ", "
                    + Math.max(completion, 1) + " in the completion). Please reduce the length of the "
                    + promptParam + " or completion.", maxTokens != null ? maxTokensParam : promptParam,
                    "context_length_exceeded");
        }
        List<SamplingParams> choices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            choices.add(base.maxNewTokens(completion).seed(seed == null ? null : seed + i).build());
        }
        return choices;
    }
}
