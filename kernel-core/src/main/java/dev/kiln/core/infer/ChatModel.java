package dev.kiln.core.infer;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.chat.RenderOptions;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationRequest;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A loaded model ready to answer conversations: its chat template turns messages into a prompt,
 * its tokenizer turns the prompt into ids, the generator continues them.
 */
public final class ChatModel implements AutoCloseable {

    private final LoadedModel loaded;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String templateName;
    private final Generator generator;

    /**
     * @param templateName where the template came from, for the user: {@code the model's}, {@code chatml}
     */
    public ChatModel(LoadedModel loaded, Tokenizer tokenizer, ChatTemplate template,
            String templateName, Generator generator) {
        this.loaded = Objects.requireNonNull(loaded);
        this.tokenizer = Objects.requireNonNull(tokenizer);
        this.template = Objects.requireNonNull(template);
        this.templateName = Objects.requireNonNull(templateName);
        this.generator = Objects.requireNonNull(generator);
    }

    public LoadedModel loaded() { return loaded; }
    public Tokenizer tokenizer() { return tokenizer; }
    public String templateName() { return templateName; }

    /**
     * The prompt ids of a conversation, the assistant's turn opened. The template writes the
     * special tokens it wants (bos), so the tokenizer adds none.
     *
     * @throws IllegalArgumentException when the template rejects the conversation
     */
    public int[] promptIds(List<Message> conversation) {
        String prompt = template.render(conversation, RenderOptions.forGeneration());
        return tokenizer.encode(prompt, false);
    }

    /** Answers one conversation, streaming the text to {@code listener} as it is generated. */
    public GenerationResult reply(List<Message> conversation, SamplingParams params,
            GenerationListener listener) {
        return generator.generate(promptIds(conversation), params, listener);
    }

    /** Answers several conversations as one batch; results in their order. */
    public List<GenerationResult> replyAll(List<List<Message>> conversations, SamplingParams params,
            GenerationListener listener) {
        List<GenerationRequest> requests = new ArrayList<>(conversations.size());
        for (List<Message> conversation : conversations) {
            requests.add(new GenerationRequest(promptIds(conversation), params));
        }
        return generator.generate(requests, listener);
    }

    @Override
    public void close() {
        loaded.close();
    }
}
