package dev.kiln.serving.openai;

import dev.kiln.api.chat.Message;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.core.generate.GenerationConfig;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.serving.engine.Engine;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A model the server answers for under one name: the chat model (tokenizer and template), the
 * engine that generates with it, and the defaults of its generation_config.json. An adapter is
 * served by its base model's engine, under its own name.
 *
 * @param parent the base model's name for an adapter, else null
 * @param adapter the engine's id of the adapter, or {@link Engine#BASE_MODEL}
 * @param root where it was loaded from
 * @param created when it was loaded, in seconds since the epoch ({@code created} of /v1/models)
 */
public record ServedModel(String name, String parent, int adapter, String root, ChatModel chat,
        Engine engine, GenerationConfig generation, long created) {

    public ServedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(chat, "chat");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(generation, "generation");
    }

    /** The base model served as {@code name}. */
    public static ServedModel base(String name, ChatModel chat, Engine engine, GenerationConfig generation) {
        return new ServedModel(name, null, Engine.BASE_MODEL, chat.loaded().location().toString(), chat,
                engine, generation, System.currentTimeMillis() / 1000);
    }

    /** An adapter served over this base model as {@code adapterName}. */
    public ServedModel adapter(String adapterName, int id, String location) {
        return new ServedModel(adapterName, name, id, location, chat, engine, generation,
                System.currentTimeMillis() / 1000);
    }

    public Tokenizer tokenizer() {
        return chat.tokenizer();
    }

    /** The most tokens, prompt and completion, one sequence may hold. */
    public int maxModelLength() {
        return engine.capacity();
    }

    /** The ids the model's vocabulary has: a prompt of token ids must stay below. */
    public int vocabSize() {
        return chat.loaded().config().integer("vocab_size").orElse(tokenizer().vocabSize());
    }

    /**
     * The prompt of a conversation, the assistant's turn opened. Rendering is serialized: a
     * template engine need not be thread-safe.
     *
     * @throws IllegalArgumentException when the template rejects the conversation
     */
    public int[] chatPrompt(List<Message> conversation) {
        synchronized (chat) {
            return chat.promptIds(conversation);
        }
    }

    /** {@code text}'s ids, with the special tokens the tokenizer adds (a bos), as vLLM encodes a completion prompt. */
    public int[] encode(String text) {
        return tokenizer().encode(text, true);
    }

    /**
     * Sampling defaults as vLLM takes them from generation_config.json: the values it states,
     * OpenAI's defaults for the rest (temperature 1), and its end-of-sequence ids as stop ids.
     */
    public SamplingParams samplingDefaults() {
        SamplingParams.Builder b = SamplingParams.builder();
        if (generation.temperature() != null) {
            b.temperature(generation.temperature());
        }
        if (generation.topP() != null) {
            b.topP(generation.topP());
        }
        if (generation.topK() != null) {
            b.topK(generation.topK());
        }
        if (generation.minP() != null) {
            b.minP(generation.minP());
        }
        if (generation.repetitionPenalty() != null) {
            b.repetitionPenalty(generation.repetitionPenalty());
        }
        return b.stopTokenIds(Set.copyOf(generation.eosTokenIds())).build();
    }
}
