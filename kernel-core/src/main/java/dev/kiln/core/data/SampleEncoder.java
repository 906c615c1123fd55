package dev.kiln.core.data;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Sample;
import dev.kiln.api.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a {@link Sample} into token ids and labels.
 *
 * <p>{@link #chat} renders the conversation with a chat template (the model's own or a built-in
 * one) and tokenizes the text whole, without adding special tokens (the template writes them), as
 * transformers' {@code apply_chat_template} does. Each assistant turn's characters are found by
 * rendering the conversation before it with the generation prompt and the conversation through
 * it, and checking each is a prefix of the whole; its tokens are those that overlap those
 * characters (transformers' {@code return_assistant_tokens_mask}): a turn's text is located by
 * tokenizing the text before its start and end, and where a token straddles the boundary that
 * token counts as the turn's. {@link #plain} concatenates the turns' text without a template and
 * tokenizes it with the tokenizer's own special tokens (BOS), for pretraining.
 *
 * <p>Labels follow {@link EncodeOptions#lossScale()}; a sample longer than
 * {@link EncodeOptions#maxLength()} is cut or left out as {@link EncodeOptions#truncation()}
 * says, and a sample with no trainable token left is left out. Thread-safe when the tokenizer and
 * template are.
 */
public final class SampleEncoder {

    private final Tokenizer tokenizer;
    private final ConversationRenderer renderer;
    private final EncodeOptions options;

    private SampleEncoder(Tokenizer tokenizer, ConversationRenderer renderer, EncodeOptions options) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.renderer = renderer;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Conversations through {@code template}, for sft. */
    public static SampleEncoder chat(Tokenizer tokenizer, ChatTemplate template, EncodeOptions options) {
        return new SampleEncoder(tokenizer,
                new TemplateRenderer(Objects.requireNonNull(template, "template"), options.templateVariables()),
                options);
    }

    /** Plain text (ms-swift's {@code --use_chat_template false}), for pt. */
    public static SampleEncoder plain(Tokenizer tokenizer, EncodeOptions options) {
        return new SampleEncoder(tokenizer, new PlainRenderer(), options);
    }

    public EncodeOptions options() {
        return options;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Encodes one sample; empty when it is left out (too long under {@code delete}, or no
     * trainable token), which {@code stats} counts.
     *
     * @throws DatasetException naming the row when the template rejects the conversation or the
     *     last assistant turn cannot be located in the rendered text
     */
    public Optional<EncodedSample> encode(Sample sample, EncodeStats stats) throws DatasetException {
        List<Message> messages = withDefaultSystem(sample.messages());
        RenderedConversation rendered = renderer.render(messages, sample.tools(), sample.origin());
        for (int i = 0; i < rendered.unlocatedTurns(); i++) {
            stats.countUnlocatedTurn();
        }
        boolean special = renderer.addsSpecialTokens();
        int[] ids = tokenizer.encode(rendered.text(), special);
        int[] labels = new int[ids.length];
        Arrays.fill(labels, EncodedSample.IGNORE_INDEX);
        if (options.lossScale() == LossScale.ALL) {
            System.arraycopy(ids, 0, labels, 0, ids.length);
        } else {
            List<RenderedConversation.Span> spans = rendered.assistantSpans();
            if (options.lossScale() == LossScale.LAST_ROUND && !spans.isEmpty()) {
                spans = List.of(spans.getLast());
            }
            TokenBoundaries boundaries = new TokenBoundaries(tokenizer, rendered.text(), ids, special);
            for (RenderedConversation.Span span : spans) {
                int from = boundaries.firstTokenFrom(span.start());
                int to = boundaries.endTokenThrough(span.end());
                System.arraycopy(ids, from, labels, from, to - from);
            }
        }
        if (renderer.endsDocuments() && options.documentEnd().isPresent()) {
            int end = options.documentEnd().getAsInt();
            if (ids.length == 0 || ids[ids.length - 1] != end) {
                ids = Arrays.copyOf(ids, ids.length + 1);
                labels = Arrays.copyOf(labels, labels.length + 1);
                ids[ids.length - 1] = end;
                // The end token belongs to the text before it: trained when its last token is.
                labels[labels.length - 1] = labels.length > 1 && labels[labels.length - 2] != EncodedSample.IGNORE_INDEX
                        ? end : EncodedSample.IGNORE_INDEX;
            }
        }
        if (ids.length > options.maxLength()) {
            switch (options.truncation()) {
                case DELETE -> {
                    stats.countTooLong();
                    return Optional.empty();
                }
                case LEFT -> {
                    ids = Arrays.copyOfRange(ids, ids.length - options.maxLength(), ids.length);
                    labels = Arrays.copyOfRange(labels, labels.length - options.maxLength(), labels.length);
                }
                case RIGHT -> {
                    ids = Arrays.copyOf(ids, options.maxLength());
                    labels = Arrays.copyOf(labels, options.maxLength());
                }
            }
            stats.countTruncated();
        }
        EncodedSample encoded = new EncodedSample(ids, labels, sample.origin());
        if (encoded.trainableTokens() == 0) {
            stats.countNoLabels();
            return Optional.empty();
        }
        stats.encoded(encoded);
        return Optional.of(encoded);
    }

    private List<Message> withDefaultSystem(List<Message> messages) {
        if (options.defaultSystem().isEmpty()
                || (!messages.isEmpty() && messages.getFirst().role().equals(Message.SYSTEM))) {
            return messages;
        }
        List<Message> out = new ArrayList<>(messages.size() + 1);
        out.add(Message.system(options.defaultSystem().get()));
        out.addAll(messages);
        return out;
    }
}
