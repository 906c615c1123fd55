package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.serving.http.HttpApi;
import dev.kiln.serving.metrics.Metrics;

/**
 * The routes of an OpenAI-compatible server: {@code GET /v1/models},
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code POST /v1/embeddings},
 * the adapter admin endpoints, and, outside the API (no key needed), {@code GET /health} and
 * {@code GET /metrics}.
 */
public final class OpenAiApi {

    private OpenAiApi() {}

    /** With {@code adapters}, also vLLM's {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}. */
    public static void register(HttpApi http, ServedModels models, AdapterRegistry adapters, Metrics metrics) {
        AdapterEndpoints admin = new AdapterEndpoints(adapters);
        http.route("POST", "/v1/load_lora_adapter", admin::load)
                .route("POST", "/v1/unload_lora_adapter", admin::unload);
        register(http, models, metrics);
    }

    public static void register(HttpApi http, ServedModels models, Metrics metrics) {
        http.route("GET", "/v1/models", call -> call.json(200, list(models)))
                .route("POST", "/v1/chat/completions", new ChatCompletions(models))
                .route("POST", "/v1/completions", new Completions(models))
                .route("POST", "/v1/embeddings", new EmbeddingsEndpoint(models))
                .route("GET", "/health", call -> {
                    boolean up = models.all().stream().allMatch(m -> m.engine().alive());
                    ObjectNode health = JsonNodeFactory.instance.objectNode();
                    health.put("status", up ? "ok" : "engine stopped");
                    ObjectNode devices = health.putObject("devices");
                    models.all().forEach(m -> devices.put(m.name(), m.engine().device()));
                    call.json(up ? 200 : 503, health);
                })
                .route("GET", "/metrics", call -> call.text(200, Metrics.CONTENT_TYPE, metrics.scrape()));
    }

    private static ObjectNode list(ServedModels models) {
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (ServedModel model : models.all()) {
            ObjectNode entry = data.addObject();
            entry.put("id", model.name());
            entry.put("object", "model");
            entry.put("created", model.created());
            entry.put("owned_by", "kiln");
            entry.put("root", model.root());
            entry.put("parent", model.parent());
            entry.put("max_model_len", model.maxModelLength());
        }
        return list;
    }
}
