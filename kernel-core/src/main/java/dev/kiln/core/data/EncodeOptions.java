package dev.kiln.core.data;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How {@link SampleEncoder} turns samples into tokens.
 *
 * @param maxLength {@code --max_length}: the longest sample in tokens
 * @param truncation {@code --truncation_strategy}: what happens to longer samples
 * @param lossScale {@code --loss_scale}: which tokens take loss
 * @param defaultSystem {@code --system}: the system message for conversations that have none
 * @param documentEnd a token appended to plain (template-less) text unless the tokenizer already
 *     ended it with one, so packed documents are separated as ms-swift's pretraining does; empty
 *     to append nothing
 * @param templateVariables extra chat template variables ({@code enable_thinking}, ...)
 */
public record EncodeOptions(int maxLength, TruncationStrategy truncation, LossScale lossScale,
        Optional<String> defaultSystem, OptionalInt documentEnd, Map<String, Object> templateVariables) {

    public EncodeOptions {
        if (maxLength < 2) {
            throw new IllegalArgumentException("--max_length " + maxLength + ": must be at least 2");
        }
        Objects.requireNonNull(truncation, "truncation");
        Objects.requireNonNull(lossScale, "lossScale");
        Objects.requireNonNull(defaultSystem, "defaultSystem");
        Objects.requireNonNull(documentEnd, "documentEnd");
        templateVariables = Map.copyOf(templateVariables);
    }

    /** ms-swift's sft defaults: {@code delete}, loss on every assistant turn, no system, no end token. */
    public static EncodeOptions sft(int maxLength) {
        return new EncodeOptions(maxLength, TruncationStrategy.DELETE, LossScale.DEFAULT,
                Optional.empty(), OptionalInt.empty(), Map.of());
    }

    /** ms-swift's pt defaults: loss on every token, {@code documentEnd} after each text. */
    public static EncodeOptions pretraining(int maxLength, OptionalInt documentEnd) {
        return new EncodeOptions(maxLength, TruncationStrategy.DELETE, LossScale.ALL,
                Optional.empty(), documentEnd, Map.of());
    }

    public EncodeOptions withTruncation(TruncationStrategy value) {
        return new EncodeOptions(maxLength, value, lossScale, defaultSystem, documentEnd, templateVariables);
    }

    public EncodeOptions withLossScale(LossScale value) {
        return new EncodeOptions(maxLength, truncation, value, defaultSystem, documentEnd, templateVariables);
    }

    public EncodeOptions withDefaultSystem(String value) {
        return new EncodeOptions(maxLength, truncation, lossScale, Optional.ofNullable(value), documentEnd,
                templateVariables);
    }

    public EncodeOptions withDocumentEnd(OptionalInt value) {
        return new EncodeOptions(maxLength, truncation, lossScale, defaultSystem, value, templateVariables);
    }

    public EncodeOptions withTemplateVariables(Map<String, Object> value) {
        return new EncodeOptions(maxLength, truncation, lossScale, defaultSystem, documentEnd, value);
    }
}
