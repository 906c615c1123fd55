package dev.kiln.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.core.generate.GenerationConfig;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.serving.engine.Engine;
import dev.kiln.serving.http.ApiKeys;
import dev.kiln.serving.http.HttpApi;
import dev.kiln.serving.metrics.Metrics;
import dev.kiln.serving.openai.AdapterRegistry;
import dev.kiln.serving.openai.OpenAiApi;
import dev.kiln.serving.openai.ServedModel;
import dev.kiln.serving.openai.ServedModels;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;

/**
 * A running OpenAI-compatible server over one model: its engine (continuous batching over a
 * KV-cache pool sized by {@link CacheSizing}), the HTTP API, and the metrics they share.
 */
public final class KilnServer implements AutoCloseable {

    private final Engine engine;
    private final HttpApi http;
    private final CacheSizing sizing;

    private KilnServer(Engine engine, HttpApi http, CacheSizing sizing) {
        this.engine = engine;
        this.http = http;
        this.sizing = sizing;
    }

    /** Starts serving {@code chat} as {@code name}, without adapters. */
    public static KilnServer start(ServerSettings settings, ChatModel chat, String name,
            GenerationConfig generation, TensorOps ops, PrintStream log) throws IOException {
        try {
            return start(settings, chat, name, generation, ops, Map.of(), Map.of(), log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        }
    }

    /**
     * Starts serving {@code chat} as {@code name}, and each adapter of {@code adapters} (name to
     * directory) over it, loaded by the tuner its peft_type names among {@code tuners}.
     *
     * @param ops the tensor ops of the device the model lives on
     * @throws IllegalArgumentException when the settings do not fit the model, or an adapter
     *     cannot be served (naming it)
     * @throws IOException when the address cannot be bound or an adapter read
     */
    public static KilnServer start(ServerSettings settings, ChatModel chat, String name,
            GenerationConfig generation, TensorOps ops, Map<String, Tuner> tuners,
            Map<String, Path> adapters, PrintStream log) throws IOException, InterruptedException {
        CacheSizing sizing = CacheSizing.of(chat.loaded().model(), settings);
        sizing.warning().ifPresent(w -> log.println("kiln: warning: " + w));
        Metrics metrics = new Metrics(sizing.slots());
        Engine engine = new Engine(chat.loaded().model(), ops, chat.tokenizer(), sizing.slots(),
                sizing.capacity(), settings.maxQueue(), metrics);
        try {
            ServedModels models = new ServedModels();
            ServedModel base = ServedModel.base(name, chat, engine, generation);
            models.add(base);
            AdapterRegistry registry = new AdapterRegistry(models, base, tuners);
            for (Map.Entry<String, Path> adapter : adapters.entrySet()) {
                try {
                    registry.load(adapter.getKey(), adapter.getValue());
                } catch (IOException | IllegalArgumentException e) {
                    throw new IllegalArgumentException("--adapters " + adapter.getKey() + "="
                            + adapter.getValue() + ": " + e.getMessage(), e);
                }
            }
            HttpApi http = new HttpApi(new ApiKeys(settings.apiKeys()), metrics, new ObjectMapper(),
                    settings.maxRequestBytes(), log);
            OpenAiApi.register(http, models, registry, metrics);
            http.start(new InetSocketAddress(settings.bindHost(), settings.port()));
            return new KilnServer(engine, http, sizing);
        } catch (IOException | InterruptedException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return http.address();
    }

    /** Sequences generated at once. */
    public int slots() {
        return sizing.slots();
    }

    /** Tokens per sequence. */
    public int maxModelLength() {
        return sizing.capacity();
    }

    public long cacheBytes() {
        return engine.cacheBytes();
    }

    /** Stops listening, then the engine (what runs fails with a shutdown error). */
    @Override
    public void close() {
        http.close();
        engine.close();
    }
}
