package dev.kiln.serving;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.core.infer.ChatModelFactory;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.chat.ChatmlChatTemplate;
import dev.kiln.models.chat.DefaultChatTemplate;
import dev.kiln.models.chat.JinjaChatTemplateEngine;
import dev.kiln.models.gguf.GgufFormat;
import dev.kiln.models.gpt2.Gpt2Family;
import dev.kiln.models.llama.LlamaFamily;
import dev.kiln.models.safetensors.SafetensorsFormat;
import dev.kiln.models.tokenizer.GgufTokenizerFactories;
import dev.kiln.models.tokenizer.HfTokenizerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model the serving tests run: llama.cpp's tiny random Llama 2 GGUF (weights-gguf's test
 * fixture: weights, configuration and a 32000-token vocabulary in one file; see its README for
 * provenance), put together as {@code kiln deploy} does, on the CPU backend.
 */
public final class TinyModels {

    /** One CPU device for all tests: its helper threads live as long as the test JVM. */
    public static final CpuDevice CPU = new CpuDevice(2);

    public static final Path GGUF = Path.of(
            "../plugins-models/weights-gguf/src/test/resources/fixtures/llama-2-tiny-random.gguf")
            .toAbsolutePath().normalize();

    private TinyModels() {}

    public static TensorOps ops() {
        return new TensorEngine().on(CPU);
    }

    /** The tiny Llama with the built-in default template (the GGUF ships none). */
    public static ChatModel llama(TensorOps ops) {
        if (!Files.isRegularFile(GGUF)) {
            throw new IllegalStateException("the GGUF fixture is missing: " + GGUF);
        }
        Map<String, ChatTemplate> builtins = Map.of("default", new DefaultChatTemplate(),
                "chatml", new ChatmlChatTemplate());
        ChatModelFactory factory = new ChatModelFactory(List.of(new LlamaFamily(), new Gpt2Family()),
                List.of(new GgufFormat(), new SafetensorsFormat()),
                List.of(GgufTokenizerFactories.reading(new GgufFormat()), new HfTokenizerFactory()),
                Optional.of(new JinjaChatTemplateEngine()), builtins);
        try {
            return factory.open(GGUF, ops, null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
