package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.serving.http.ApiError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serves adapters over the base model, by name: each is loaded by the tuner its
 * adapter_config.json names ({@code peft_type}, lower-cased: {@code LORA} is the {@code lora}
 * tuner) into the base model's engine, which serves them all at once, each request with the
 * adapter its {@code model} names. Adapters can be added and removed while the server runs.
 */
public final class AdapterRegistry {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServedModels models;
    private final ServedModel base;
    private final Map<String, Tuner> tuners;

    /** @param tuners the installed tuners by name ({@code lora}) */
    public AdapterRegistry(ServedModels models, ServedModel base, Map<String, Tuner> tuners) {
        this.models = models;
        this.base = base;
        this.tuners = new TreeMap<>(tuners);
    }

    /**
     * Loads {@code directory} and serves it as {@code name}.
     *
     * @throws IllegalArgumentException naming the problem: a name taken, a directory without an
     *     adapter, a tuner not installed, an adapter that does not fit the model
     * @throws IOException when the adapter's files cannot be read
     */
    public ServedModel load(String name, Path directory) throws IOException, InterruptedException {
        if (name.isBlank()) {
            throw new IllegalArgumentException("an adapter needs a name");
        }
        if (models.all().stream().anyMatch(m -> m.name().equals(name))) {
            throw new IllegalArgumentException("'" + name + "' is already served");
        }
        Tuner tuner = tunerFor(directory);
        int id = base.engine().loadAdapter(tuner, directory);
        ServedModel adapter = base.adapter(name, id, directory.toString());
        models.add(adapter);
        return adapter;
    }

    /**
     * Stops serving the adapter {@code name}.
     *
     * @throws ApiError 404 when no such adapter is served, 400 for the base model, 409 while
     *     requests use it
     */
    public void unload(String name) throws InterruptedException {
        ServedModel adapter = models.get(name);
        if (adapter.parent() == null) {
            throw ApiError.badRequest("'" + name + "' is the base model, not an adapter.", "lora_name");
        }
        models.remove(name); // no new request reaches it
        try {
            base.engine().unloadAdapter(adapter.adapter());
        } catch (IllegalStateException inUse) {
            models.add(adapter);
            throw ApiError.conflict("The adapter '" + name + "' is in use; retry when its requests are done.");
        }
    }

    private Tuner tunerFor(Path directory) throws IOException {
        Path config = directory.resolve("adapter_config.json");
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException(directory + ": no adapter_config.json (not an adapter directory)");
        }
        JsonNode peftType = JSON.readTree(config.toFile()).path("peft_type");
        if (!peftType.isTextual()) {
            throw new IllegalArgumentException(config + ": no peft_type");
        }
        String name = peftType.textValue().toLowerCase(Locale.ROOT);
        Tuner tuner = tuners.get(name);
        if (tuner == null) {
            throw new IllegalArgumentException(config + ": peft_type " + peftType.textValue()
                    + " needs the '" + name + "' tuner, which is not installed (installed: "
                    + (tuners.isEmpty() ? "none" : String.join(", ", tuners.keySet())) + ")");
        }
        return tuner;
    }
}
