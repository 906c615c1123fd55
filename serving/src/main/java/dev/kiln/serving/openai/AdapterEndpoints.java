package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.serving.http.ApiError;
import dev.kiln.serving.http.Call;
import java.io.IOException;
import java.nio.file.Path;

/**
 * vLLM's admin endpoints for adapters at runtime: {@code POST /v1/load_lora_adapter}
 * ({@code lora_name}, {@code lora_path}) and {@code POST /v1/unload_lora_adapter}
 * ({@code lora_name}). They are under {@code /v1/}, so they need the API key.
 */
final class AdapterEndpoints {

    private final AdapterRegistry registry;

    AdapterEndpoints(AdapterRegistry registry) {
        this.registry = registry;
    }

    void load(Call call) throws IOException, InterruptedException {
        Fields f = Fields.of(call.jsonBody());
        String name = f.requiredString("lora_name");
        String path = f.requiredString("lora_path");
        try {
            registry.load(name, Path.of(path));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "lora_path");
        } catch (IOException e) {
            throw ApiError.badRequest("The adapter cannot be read: " + e.getMessage(), "lora_path");
        }
        call.json(200, status("LoRA adapter '" + name + "' added successfully."));
    }

    void unload(Call call) throws IOException, InterruptedException {
        Fields f = Fields.of(call.jsonBody());
        String name = f.requiredString("lora_name");
        registry.unload(name);
        call.json(200, status("LoRA adapter '" + name + "' removed successfully."));
    }

    private static ObjectNode status(String message) {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("status", "ok");
        status.put("message", message);
        return status;
    }
}
